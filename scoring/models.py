"""The clinician side's own records: reviews and rendered summary PDFs."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from questionnaires.models import Response


class ResponseReview(models.Model):
    """A clinician has reviewed a submitted response (who, when)."""

    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="review")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.response_id} reviewed {self.reviewed_at:%Y-%m-%d %H:%M}"


class SummaryPdf(models.Model):
    """A rendered summary PDF, stored encrypted outside every publicly served folder.

    Keyed on (response, template version, language): rendering again is a
    no-op, a new template version renders a new file, and a clinician reading
    in English gets an English PDF. ``sha256`` and ``size`` are the PDF's own,
    before encryption.
    """

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="pdfs")
    template_version = models.CharField(max_length=16)
    language = models.CharField(max_length=8)
    file_name = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("summary PDF")
        verbose_name_plural = _("summary PDFs")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["response", "template_version", "language"],
                name="summary_pdf_once_per_template_and_language",
            )
        ]

    def __str__(self) -> str:
        return self.file_name

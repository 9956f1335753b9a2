"""Stored scoring results. A stored result never changes."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from questionnaires.models import Response
from scoring.engine import Result, result_from_dict


class ImmutableResultError(Exception):
    """A stored scoring result is never changed: rescoring adds rows beside it."""


class ScoringResult(models.Model):
    """The engine's outcome for one response, with the versions that produced it.

    The ``original`` result is computed in the submit transaction and is the
    one the summary and PDF show. ``rescore`` rows are written beside it by
    ``manage.py rescore`` to compare a new engine before release.
    """

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original")
        RESCORE = "rescore", _("Rescoring")

    class Overall(models.TextChoices):
        RED = "red", _("Red")
        YELLOW = "yellow", _("Yellow")
        GREEN = "green", _("Green")
        NOT_ASSESSABLE = "not_assessable", _("Not assessable")

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="results")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ORIGINAL)
    questionnaire_id = models.CharField(max_length=64)
    definition_version = models.CharField(max_length=32)
    engine_version = models.CharField(max_length=32)
    overall = models.CharField(max_length=16, choices=Overall.choices, db_index=True)
    result = models.JSONField()
    scored_at = models.DateTimeField(default=timezone.now)
    rescore_run = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("scoring result")
        verbose_name_plural = _("scoring results")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["response"],
                condition=models.Q(kind="original"),
                name="scoring_one_original_result_per_response",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.questionnaire_id}@{self.definition_version}: {self.overall}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableResultError("A stored scoring result is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableResultError("A stored scoring result is never deleted.")

    @cached_property
    def engine_result(self) -> Result:
        return result_from_dict(self.result)


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
    """A rendered summary PDF, stored outside every publicly served folder.

    Keyed on (response, template version): rendering again is a no-op, and a
    new template version renders a new file.
    """

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="pdfs")
    template_version = models.CharField(max_length=16)
    file_name = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("summary PDF")
        verbose_name_plural = _("summary PDFs")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["response", "template_version"], name="summary_pdf_once_per_template"
            )
        ]

    def __str__(self) -> str:
        return self.file_name

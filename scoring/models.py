"""Stored scoring results. A stored result never changes."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

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
    rescore_run = models.CharField(max_length=40, blank=True)

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

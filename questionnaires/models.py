"""Questionnaire versions, consultations, invitations, responses and answers."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pro_portal.models import Organisation, Patient
from scoring.engine import (
    Definition,
    PatientContext,
    Result,
    parse_definition,
    result_from_stored,
)


class ImmutableError(Exception):
    """A published questionnaire version never changes."""


class QuestionnaireVersion(models.Model):
    """One published version of a questionnaire: items and algorithm together.

    ``content`` is the resolved definition exactly as validated; it and its
    hash never change after publishing (the model refuses, and on PostgreSQL
    a trigger does too). Status and clinical review are application state.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    questionnaire_id = models.SlugField(max_length=64)
    version = models.CharField(max_length=32)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    source = models.CharField(max_length=300, help_text=_("The file it was loaded from."))
    published_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    clinical_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_on = models.DateField(null=True, blank=True)
    #: The review was recorded by the demo data (``manage.py demo_data``), so the
    #: version still awaits clinical review and pages say so.
    review_by_demo = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    #: The answering flow's reuse of recent answers: instrument id → days
    #: (``reuse_within_days`` on an include section, docs/definitions.md). Published
    #: with the version and as immutable as its content; the engine never reads it.
    reuse = models.JSONField(default=dict, blank=True)
    #: The licence entered by content staff or the reviewer when the file
    #: stated none (an imported questionnaire without ``copyright``); shown
    #: to the reviewer and exported as ``Questionnaire.copyright``. Application
    #: state beside the content, like the review (questionnaire_licence_record).
    licence = models.TextField(blank=True)

    IMMUTABLE_FIELDS: ClassVar = (
        "questionnaire_id",
        "version",
        "content",
        "content_hash",
        "reuse",
    )

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering: ClassVar = ["questionnaire_id", "-published_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["questionnaire_id", "version"], name="questionnaire_version_unique"
            )
        ]
        # Site-wide roles (questionnaires are not an organisation's): content
        # staff import and preview versions; clinical reviewers sign them off.
        permissions: ClassVar = [
            ("manage_questionnaires", _("Can import, preview and send questionnaires for review")),
            ("review_questionnaires", _("Can review and sign off questionnaires clinically")),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_id}@{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list(*self.IMMUTABLE_FIELDS).get()
            if stored != tuple(getattr(self, f) for f in self.IMMUTABLE_FIELDS):
                raise ImmutableError(f"{self} is published: bump the version to change it.")
        super().save(*args, **kwargs)

    @cached_property
    def definition(self) -> Definition:
        """The compiled definition (parsed and compiled once per process).

        Looked up before ``content`` is touched, so pages can load versions
        with ``content`` deferred and never decode it once compiled.
        """
        cached = _COMPILED.get((self.pk, self.content_hash))
        if cached is not None:
            return cached
        return compiled_definition(self.pk, self.content_hash, self.content, self.source)

    def title(self, language: str) -> str:
        title = self.definition.title
        return title.get(language) or title.get("en") or self.questionnaire_id

    @property
    def ref(self) -> str:
        return f"{self.questionnaire_id}@{self.version}"


_COMPILED: dict[tuple[int, str], Definition] = {}


def compiled_definition(pk: int, content_hash: str, content: Any, source: str) -> Definition:
    """Compile a version once per process; its content never changes, so the
    (pk, hash) key never goes stale."""
    key = (pk, content_hash)
    definition = _COMPILED.get(key)
    if definition is None:
        definition = _COMPILED[key] = parse_definition(content, source=source)
    return definition


def version_titles(keys: list[tuple[int, str]]) -> dict[int, Any]:
    """Each version's title (both languages) by pk, for ``(pk, content hash)``
    keys: from the definitions this process has compiled, reading and
    compiling the content only of a version not seen yet. Lists name the
    questionnaire of every row; reading ``content -> 'title'`` made
    PostgreSQL unpack each version's whole JSON (47 kB for chronic pain) on
    every page."""
    missing = [pk for pk, content_hash in keys if (pk, content_hash) not in _COMPILED]
    if missing:
        for version in QuestionnaireVersion.objects.filter(pk__in=missing).only(
            "pk", "content_hash", "content", "source"
        ):
            compiled_definition(version.pk, version.content_hash, version.content, version.source)
    return {pk: _COMPILED[(pk, content_hash)].title for pk, content_hash in keys}


class ImportWarning(models.Model):
    """One named warning the FHIR import gave for a draft version
    (questionnaires/fhir/warnings.py), and its acknowledgement by a clinical
    reviewer. The version cannot be activated while one is unacknowledged.

    Kept beside the version, never in its content: the content stays as
    published; acknowledging changes this row only (audited)."""

    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="import_warnings"
    )
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=64)
    items = models.JSONField(default=list)
    text = models.TextField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import warning")
        verbose_name_plural = _("import warnings")
        ordering: ClassVar = ["version", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["version", "position"], name="import_warning_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.version_id})"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class QuestionnaireTranslation(models.Model):
    """A translation attached to a questionnaire with its source.

    Attaching one publishes a new version (``version``) whose content has the
    texts in ``language`` too (questionnaires/translations.py); this row
    keeps where it came from: the version translated, the texts as given and
    the source (who translated it, under what licence)."""

    version = models.OneToOneField(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="translation"
    )
    translated_from = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(max_length=8)
    source = models.TextField()
    texts = models.JSONField()
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("questionnaire translation")
        verbose_name_plural = _("questionnaire translations")

    def __str__(self) -> str:
        return f"{self.language} ({self.version_id})"


class Consultation(models.Model):
    """A booked visit the patient answers questionnaires before."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="consultations"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consultations")
    starts_at = models.DateTimeField(_("date and time"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering: ClassVar = ["starts_at"]
        indexes: ClassVar = [models.Index(fields=["organisation", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} ({self.public_id})"


class Invitation(models.Model):
    """A link that lets one patient answer one or more questionnaires.

    Only a hash of the link's random token is stored. The link expires, can
    be cancelled and reissued (a new token; progress is kept), and locks
    after too many wrong birth dates.
    """

    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invitations"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invitations")
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.PROTECT, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SENT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    reissued_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    texted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def current_state(self) -> str:
        return self.state_at(self.state, self.expires_at, timezone.now())

    @classmethod
    def state_at(cls, state: str, expires_at: dt.datetime, now: dt.datetime) -> str:
        """The stored state, or expired once the link has run out."""
        open_states = (cls.State.SENT, cls.State.OPENED, cls.State.IN_PROGRESS)
        if state in open_states and now >= expires_at:
            return cls.State.EXPIRED
        return state

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_open(self) -> bool:
        """The link can still be used to answer."""
        open_states = (self.State.SENT, self.State.OPENED, self.State.IN_PROGRESS)
        return self.current_state in open_states and not self.is_locked


@dataclass(frozen=True)
class ReusedFrom:
    """Where a reused answer came from: the patient's response submitted then."""

    response_id: int
    submitted_at: dt.datetime


class Response(models.Model):
    """One patient's answers to one questionnaire version.

    Keeps the version it was answered under for ever; scored under it at
    submit (ScoringResult).
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    class Shown(models.TextChoices):
        """What the lists show of a submitted response (questionnaires.results.shown_state)."""

        RED = "red", _("Red")
        SAFETY_UNANSWERED = "safety_unanswered", _("Safety question unanswered")
        YELLOW = "yellow", _("Yellow")
        INCOMPLETE = "incomplete", _("Incomplete")
        GREEN = "green", _("Green")

    class Channel(models.TextChoices):
        HOME = "home", _("At home")
        KIOSK = "kiosk", _("Waiting-room tablet")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="responses"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="responses")
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    # The consultation these answers are for, the one place lists and the
    # summary read it from: the invitation's when reception booked one; for
    # answers given on the waiting-room tablet without one, the patient's
    # consultation of that day, chosen at submit (``kiosk.kiosk_consultation``).
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.HOME)
    language = models.CharField(max_length=2, default="da")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Changes whenever an answer changes; the check-your-answers page carries
    # it, so a submit from a stale page (another tab changed an answer) is
    # refused and the patient checks again (questionnaires.answering).
    submission_token = models.CharField(max_length=32, blank=True, editable=False)
    # Instrument blocks the patient chose to answer again rather than reuse
    # (questionnaires.answering.reuse_decline): never reused again in this response.
    reuse_declined = models.JSONField(default=list, blank=True)
    # The patient's answers, {item id: value} in ANSWERS.json form, saved as
    # soon as each is given (questionnaires.answering.answer_save, under the
    # row's lock). One value on the response rather than a row per answer: a
    # response's answers are always read and written together, and nine rows
    # with their keys and indexes cost six times the bytes (issue 16,
    # docs/architecture.md "Answers on the response").
    answers = models.JSONField(default=dict, blank=True)
    # Answers reused from an earlier response of the same patient
    # (answering.answers_reuse), not asked again: {item id: {"response": its
    # pk, "submitted_at": ISO time}}. The date is kept so the check page and
    # the summary name it without reading the other response.
    reused = models.JSONField(default=dict, blank=True)
    # When an answer was last saved or cleared (the unsent-safety sweep waits
    # for the patient to stop).
    answers_saved_at = models.DateTimeField(null=True, blank=True)
    # Review state, kept here so the worklists find "submitted and not
    # reviewed" on the partial index below instead of reading every stored
    # result and review of the organisation. ``shown`` and ``attention`` (its
    # rank, red and a safety question unanswered first) are set with the
    # original result (questionnaires.results.result_store); ``reviewed_at``
    # with the review (scoring.reviews.review_record), each in the same
    # transaction as the row it mirrors.
    # With a database default too: during a rolling deploy, code from before
    # the column existed still inserts responses.
    shown = models.CharField(
        max_length=20, choices=Shown.choices, blank=True, editable=False, default="", db_default=""
    )
    attention = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes: ClassVar = [
            models.Index(fields=["patient", "submitted_at"]),
            # Awaiting review: most urgent first, then oldest first, per organisation.
            models.Index(
                fields=["organisation", "attention", "submitted_at"],
                condition=models.Q(status="submitted", reviewed_at__isnull=True),
                name="response_awaiting_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire_version} ({self.public_id})"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def answers_dict(self) -> dict[str, Any]:
        """A copy of the answers, to change or hand to the engine."""
        return dict(self.answers)

    def reused_from(self) -> dict[str, ReusedFrom]:
        """The reused answers: item id to the response they came from."""
        return {
            item_id: ReusedFrom(
                int(origin["response"]), dt.datetime.fromisoformat(origin["submitted_at"])
            )
            for item_id, origin in (self.reused or {}).items()
        }

    def patient_context(self) -> PatientContext | None:
        """What an imported questionnaire's FHIRPath reads as ``%patient``
        (SDC launch context): the patient's sex and birth date, never the
        name or CPR number; None when the version reads no patient. Both are
        derived from the CPR number and never change, so the patient flow,
        the check page, the submit, ``rescore`` and the summary all give the
        engine the same context, and a later rescoring the same result."""
        if not self.questionnaire_version.definition.reads_patient:
            return None
        patient = self.patient
        return PatientContext.of(sex=patient.sex, birth_date=patient.birth_date.isoformat())


class VisitCode(models.Model):
    """A short code reception gives a patient for the waiting-room tablet.

    Valid on one day at one organisation. Only a keyed hash is stored; with
    the patient's birth date it opens that patient's due questionnaires on the
    organisation's kiosk, and five wrong birth dates lock it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="visit_codes"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visit_codes")
    code_hash = models.CharField(max_length=64, editable=False)
    valid_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk visit code")
        verbose_name_plural = _("kiosk visit codes")
        ordering: ClassVar = ["-created_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "valid_on", "code_hash"], name="visit_code_unique_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.valid_on} ({self.public_id})"


class ImmutableResultError(Exception):
    """A stored scoring result is never changed: rescoring adds rows beside it."""


class ScoringResult(models.Model):
    """The engine's outcome for one response, with the versions that produced it.

    ``result`` holds what the engine decided, without the definition's texts
    (scoring.engine.compact); rows stored before that hold the full result,
    and both read the same through ``engine_result``.

    The ``original`` result is computed in the submit transaction and is the
    one the summary and PDF show. ``rescore`` rows are written beside it by
    ``manage.py rescore`` to compare a new engine before release.
    """

    # Rows are added, never changed: a trigger refuses UPDATE and DELETE, and
    # the site's database role may only INSERT and SELECT (pro_portal.db_roles).
    APPEND_ONLY = True

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
        # The table kept its name when the model moved here from the scoring
        # app (docs/architecture.md), with its append-only trigger.
        db_table = "scoring_scoringresult"
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
        """The engine's result, read from either stored form: the compact one
        (what the engine decided) takes its texts from the version the
        response was answered under, which never changes."""
        return result_from_stored(
            self.result, lambda: self.response.questionnaire_version.definition
        )


class UnsentSafetyNotice(models.Model):
    """A safety answer the patient saved but did not send, told to the clinic.

    Written by the periodic ``questionnaires.unsent_safety_sweep`` when a
    response has been left for ``UNSENT_SAFETY_AFTER_MINUTES`` since its last
    saved answer and its saved answers raise a safety rule (docs/library.md,
    "Saved but not sent"). One per response (the sweep is idempotent); the
    submit clears it (the summary takes over); a clinician marks it handled
    once the patient has been contacted.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    response = models.OneToOneField(
        Response, on_delete=models.PROTECT, related_name="unsent_safety_notice"
    )
    # The organisation that invited the patient (the response's): only its
    # clinicians see the notice.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="unsent_safety_notices"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="unsent_safety_notices"
    )
    rule_ids = models.JSONField(default=list)  # the safety rules raised when found
    last_saved_at = models.DateTimeField()  # the last saved answer when found
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)  # the response was submitted
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("safety answer saved but not sent")
        verbose_name_plural = _("safety answers saved but not sent")

    def __str__(self) -> str:
        return f"{self.response_id} ({self.public_id})"

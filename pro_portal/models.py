"""Core models: organisations, staff and their roles, patients, kiosks, audit log."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pro_portal import cpr as cpr_lib
from pro_portal.fields import SafeEncryptedCharField
from pro_portal.regions import REGION_CHOICES, Region, region_for


class Organisation(models.Model):
    """A general practice, pain clinic, hospital department or municipal health unit.

    Patient data belongs to the organisation that invited the patient.
    """

    class Kind(models.TextChoices):
        GENERAL_PRACTICE = "general_practice", _("General practice")
        PAIN_CLINIC = "pain_clinic", _("Pain clinic")
        HOSPITAL_DEPARTMENT = "hospital_department", _("Hospital department")
        MUNICIPAL_HEALTH = "municipal_health", _("Municipal health unit")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    help_phone = models.CharField(
        _("phone patients call for help"),
        max_length=30,
        blank=True,
        help_text=_("Shown to patients beside the emergency numbers."),
    )
    region = models.CharField(
        _("region"),
        max_length=20,
        choices=REGION_CHOICES,
        blank=True,
        help_text=_(
            "Patients are given this region's out-of-hours number. Unset: patients see"
            " every region's number."
        ),
    )
    invitation_validity_days = models.PositiveSmallIntegerField(
        _("invitation links valid for (days)"), default=14
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def out_of_hours(self) -> Region | None:
        """The out-of-hours line of the clinic's region (None when not set)."""
        return region_for(self.region)

    @property
    def patient_phone(self) -> str:
        """The number patients call at the clinic: the help line, else the main one."""
        return self.help_phone or self.phone


class User(AbstractUser):
    """A member of staff. Roles are per organisation (Membership)."""

    email = models.EmailField(_("e-mail address"), unique=True)

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def roles_in(self, organisation: Organisation) -> set[str]:
        return set(
            self.memberships.filter(organisation=organisation).values_list("role", flat=True)
        )


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    # Sees invitation status to run reception; never answers or flags.
    SECRETARY = "secretary", _("Secretary")
    ADMIN = "admin", _("Clinic admin")


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.organisation}"


CPR_MESSAGES = {
    cpr_lib.INVALID_FORMAT: _("A CPR number has 10 digits (DDMMYY-XXXX)."),
    cpr_lib.INVALID_DATE: _("The first six digits of a CPR number must be a real date (DDMMYY)."),
}


def validate_cpr(value: str) -> None:
    try:
        cpr_lib.parse_cpr(value)
    except cpr_lib.InvalidCprError as exc:
        raise ValidationError(CPR_MESSAGES[str(exc)], code="invalid_cpr") from None


class Patient(models.Model):
    """A patient as registered by one organisation.

    The CPR number is encrypted at rest; ``cpr_hash`` (keyed HMAC) allows exact
    look-up. Birth date and sex are derived from the CPR number on save.
    """

    class Language(models.TextChoices):
        DANISH = "da", _("Danish")
        ENGLISH = "en", _("English")

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="patients",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    cpr = SafeEncryptedCharField(_("CPR number"), max_length=10, validators=[validate_cpr])
    cpr_hash = models.CharField(max_length=64, editable=False, db_index=True)
    birth_date = models.DateField(_("birth date"), editable=False)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.DANISH
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "cpr_hash"], name="patient_unique_cpr_per_organisation"
            )
        ]

    def __str__(self) -> str:
        # Never the CPR number: __str__ ends up in logs and error reports.
        return f"{self.name} ({self.public_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        parsed = cpr_lib.parse_cpr(self.cpr)
        self.cpr = parsed.digits
        self.cpr_hash = cpr_lib.cpr_hash(parsed.digits, key=settings.CPR_HASH_KEY)
        self.birth_date = parsed.birth_date
        self.sex = parsed.sex
        super().save(*args, **kwargs)

    @property
    def cpr_masked(self) -> str:
        return cpr_lib.parse_cpr(self.cpr).masked

    @property
    def cpr_formatted(self) -> str:
        return cpr_lib.parse_cpr(self.cpr).formatted

    @classmethod
    def hash_for(cls, text: str) -> str:
        """The look-up hash of a typed CPR number (raises InvalidCprError)."""
        return cpr_lib.cpr_hash(cpr_lib.parse_cpr(text).digits, key=settings.CPR_HASH_KEY)


class Kiosk(models.Model):
    """A waiting-room tablet enrolled by a clinic admin; revocable.

    Only a hash of its device token is stored; the token lives in the tablet's
    cookie.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="kiosks",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("enrolled by")
    )
    created_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk tablet")
        verbose_name_plural = _("kiosk tablets")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Who did what to which patient's data, when, from where. Append-only.

    Holds ids, never a CPR number: ``detail`` is checked on save. On
    PostgreSQL a trigger also refuses UPDATE and DELETE (migration 0002).
    """

    # The site's database role may only INSERT and SELECT (pro_portal.db_roles).
    APPEND_ONLY = True

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("Staff")
        PATIENT = "patient", _("Patient")
        KIOSK = "kiosk", _("Kiosk")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_kind = models.CharField(max_length=8, choices=ActorKind.choices)
    # Ids without database foreign-key constraints: every page view writes
    # events, and checking (and key-share locking) the user, organisation and
    # patient rows for each cost more than the insert itself. Django still
    # protects the rows from deletion (PROTECT), and nothing ever deletes a
    # patient, user or organisation that events refer to.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    kiosk = models.ForeignKey(
        Kiosk,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # audit look-ups are by patient, time or actor, not by kiosk
    )
    action = models.CharField(max_length=64, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    patient = models.ForeignKey(
        Patient,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the (patient, at) index serves every look-up by patient
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [models.Index(fields=["patient", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only.")
        if cpr_lib.redact(str(self.detail)) != str(self.detail):
            raise ValueError("An audit event must not contain a CPR number.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit log is append-only.")


class OutboxMessage(models.Model):
    """Work to do after a transaction commits: the transactional outbox.

    Written in the same transaction as the change it follows (a submit writes
    "render this response's summary PDF"), handed to Celery when that
    transaction commits, and marked done by the task. A message that was
    never handed over (the broker was down) or never finished (a worker died)
    is still here, so the work can be recovered from the database alone
    (``pro_portal.outbox.outbox_sweep``). The payload holds ids only, never
    patient data.
    """

    task = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    handed_at = models.DateTimeField(null=True, blank=True)
    handed_count = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes: ClassVar = [
            # The sweep reads only unfinished messages, however long the history.
            models.Index(
                fields=["created_at"],
                condition=models.Q(done_at__isnull=True),
                name="outbox_unfinished",
            )
        ]

    def __str__(self) -> str:
        state = "done" if self.done_at else "pending"
        return f"{self.task} #{self.pk} ({state})"

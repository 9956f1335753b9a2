"""Forms: reading one answer from a question page, birth dates, and reception.

Answer forms are built from the definition's item: they parse what the
patient typed or chose into the ANSWERS.json value (docs/definitions.md) and
give GOV.UK-style messages that say how to fix the answer. The templates
render them by hand (fieldset and legend, hints, errors at the field), so
every item type gets exactly the markup screen readers expect.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pro_portal.cpr import InvalidCprError, parse_cpr
from pro_portal.i18n import sort_key
from pro_portal.models import Organisation, Patient
from questionnaires.item_types import number_text
from questionnaires.models import QuestionnaireVersion
from scoring.engine import Item, pick_language
from scoring.engine.item_types import item_type, options_of

_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def text(value: Mapping[str, str] | None, language: str) -> str:
    return pick_language(value, language) if value else ""


# --- Dates typed as day, month and year (GOV.UK date input) ---------------------------


@dataclass
class DateParts:
    """Three boxes; ``error`` names the problem and ``bad`` the boxes to highlight."""

    day: str = ""
    month: str = ""
    year: str = ""
    value: dt.date | None = None
    error: str = ""
    bad: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.day or self.month or self.year)

    @property
    def first_bad(self) -> str:
        for part in ("day", "month", "year"):
            if part in self.bad:
                return part
        return "day"


def read_date_parts(data: Mapping[str, Any], prefix: str) -> DateParts:
    """Parse ``<prefix>-day``, ``-month`` and ``-year``; sets ``error`` when wrong."""
    parts = DateParts(
        day=str(data.get(f"{prefix}-day", "")).strip(),
        month=str(data.get(f"{prefix}-month", "")).strip(),
        year=str(data.get(f"{prefix}-year", "")).strip(),
    )
    if parts.empty:
        return parts
    missing = [name for name in ("day", "month", "year") if not getattr(parts, name)]
    if missing:
        names = {"day": _("a day"), "month": _("a month"), "year": _("a year")}
        parts.error = _("The date must include %(part)s") % {"part": names[missing[0]]}
        parts.bad = set(missing)
        return parts
    # ASCII digits only: str.isdigit() also accepts "²" and other digits int() refuses.
    if not all(part.isascii() and part.isdigit() for part in (parts.day, parts.month, parts.year)):
        parts.error = _("The date must be a real date, written with numbers")
        parts.bad = {"day", "month", "year"}
        return parts
    # Say what is wrong with the date itself before the year's length: "31 2
    # 1980" is a date that does not exist, whatever else is typed.
    # A day or month of more than 4 digits is out of range anyway; never read as a
    # number (Python refuses to convert over 4,300 digits).
    day, month = (int(text) if len(text) <= 4 else 10_000 for text in (parts.day, parts.month))
    if not 1 <= month <= 12:
        parts.error = _("The month must be a number from 1 to 12")
        parts.bad = {"month"}
        return parts
    year = int(parts.year) if len(parts.year) == 4 else 2000  # 2000: 29 days in February
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        parts.error = _(
            "The date does not exist: %(month)s has %(days)s days. Check the day and the month."
        ) % {"month": formats.date_format(dt.date(2000, month, 1), "F"), "days": days}
        parts.bad = {"day", "month"}
        return parts
    if len(parts.year) != 4:
        parts.error = _("The year must have 4 numbers")
        parts.bad = {"year"}
        return parts
    try:
        parts.value = dt.date(year, month, day)
    except ValueError:  # year 0000
        parts.error = _("The date must be a real date")
        parts.bad = {"year"}
    return parts


class BirthDateForm:
    """The first question behind an invitation link or a visit code."""

    prefix = "birth"

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.parts = read_date_parts(data or {}, self.prefix)
        self.error = ""
        if data is not None:
            if self.parts.empty:
                self.error = _("Enter your date of birth")
                self.parts.bad = {"day", "month", "year"}
            elif self.parts.error:
                self.error = self.parts.error
            elif self.parts.value and self.parts.value > timezone.localdate():
                self.error = _("Your date of birth must be in the past")
                self.parts.bad = {"day", "month", "year"}

    def is_valid(self) -> bool:
        return not self.error and self.parts.value is not None

    @property
    def value(self) -> dt.date:
        assert self.parts.value is not None
        return self.parts.value


# --- One answer ------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    checked: bool
    exclusive: bool = False


@dataclass(frozen=True)
class RegionGroup:
    legend: str
    choices: list[Choice]


#: Body regions grouped the way people think of their body (by code prefix).
REGION_GROUPS: list[tuple[Any, tuple[str, ...]]] = [
    (gettext_lazy("Head and neck"), ("head", "face", "jaw", "neck")),
    (gettext_lazy("Shoulders, arms and hands"), ("shoulder", "arm", "elbow", "wrist", "hand")),
    (
        gettext_lazy("Chest, stomach and back"),
        ("chest", "abdomen", "upper_back", "lower_back", "back", "pelvis", "groin"),
    ),
    (gettext_lazy("Hips, legs and feet"), ("hip", "leg", "thigh", "knee", "ankle", "foot")),
]


def _region_group(code: str) -> int:
    for index, (_legend, prefixes) in enumerate(REGION_GROUPS):
        if any(code == p or code.startswith(p + "_") for p in prefixes):
            return index
    return len(REGION_GROUPS)


class AnswerForm:
    """Reads and checks the answer to one item.

    ``data`` is the POST; ``stored`` the answer saved before (ANSWERS.json
    value) shown when the page opens. After ``is_valid()``, ``value`` is the
    answer to save (``None``: no answer). How the answer is given (the item
    type's ``entry``) decides how it is read; the type's widget template
    (``template``) shows it.
    """

    def __init__(
        self,
        item: Item,
        language: str,
        *,
        data: Mapping[str, Any] | None = None,
        stored: Any = None,
    ) -> None:
        self.item = item
        self.kind = item_type(item)
        self.language = language
        self.bound = data is not None
        self.error = ""
        self.value: Any = None
        self.raw: str = ""
        self.selected: set[str] = set()
        self.date = DateParts()
        if data is None:
            self._show(stored)
        else:
            self._read(data)

    # What the page shows ------------------------------------------------------------

    @property
    def template(self) -> str:
        return self.kind.template

    def _show(self, stored: Any) -> None:
        entry = self.kind.entry
        if stored is None:
            return
        if entry == "any_of":
            self.selected = {str(code) for code in stored}
        elif entry == "one_of":
            self.selected = {str(stored)}
        elif entry == "number":
            self.raw = number_text(stored, self.language)
        elif entry == "date":
            year, month, day = str(stored).split("-")
            self.date = DateParts(day=str(int(day)), month=str(int(month)), year=year)
        else:
            self.raw = str(stored)

    @property
    def options(self) -> list[Choice]:
        if self.kind.scale is not None:  # 0–10: every number is a choice
            low, high = self.kind.scale
            numbers = [str(n) for n in range(low, high + 1)]
            return [Choice(n, n, n in self.selected) for n in numbers]
        return [
            Choice(
                option.code,
                text(option.label, self.language),
                option.code in self.selected,
                option.exclusive,
            )
            for option in options_of(self.item)
        ]

    @property
    def region_groups(self) -> list[RegionGroup]:
        """Body regions in groups (head, arms, trunk, legs, other), each a fieldset."""
        buckets: dict[int, list[Choice]] = {}
        for choice in self.options:
            index = len(REGION_GROUPS) + 1 if choice.exclusive else _region_group(choice.code)
            buckets.setdefault(index, []).append(choice)
        legends = [str(legend) for legend, _prefixes in REGION_GROUPS] + [_("Other"), ""]
        return [RegionGroup(legends[i], buckets[i]) for i in sorted(buckets)]

    @property
    def unit(self) -> str:
        return text(self.item.unit, self.language)

    @property
    def anchors(self) -> tuple[str, str]:
        if self.item.anchors is None:
            return ("", "")
        return (
            text(self.item.anchors[0], self.language),
            text(self.item.anchors[1], self.language),
        )

    @property
    def max_length(self) -> int:
        return self.item.max_length or self.kind.max_length or 0

    @property
    def input_mode(self) -> str:
        return "numeric" if self.kind.whole else "decimal"

    @property
    def example(self) -> str:
        """A number within bounds, written as the patient would type it."""
        low = self.item.min if self.item.min is not None else 0
        high = self.item.max if self.item.max is not None else low + 100
        middle = (low + high) / 2
        if not self.kind.whole and (self.item.decimals or 0) > 0:
            return number_text(round(middle, 0) + 0.5, self.language, 1)
        return number_text(round(middle), self.language)

    # Reading the POST ---------------------------------------------------------------

    def _read(self, data: Mapping[str, Any]) -> None:
        entry = self.kind.entry
        if entry == "any_of":
            getlist = getattr(data, "getlist", None)
            codes = getlist("answer") if getlist else data.get("answer", [])
            self.selected = {str(c) for c in codes}
        elif entry == "one_of":
            chosen = data.get("answer")
            self.selected = {str(chosen)} if chosen else set()
        elif entry == "date":
            self.date = read_date_parts(data, "answer")
        else:
            self.raw = str(data.get("answer", ""))
            if entry == "number":
                self.raw = self.raw.strip()

    def is_valid(self) -> bool:
        if not self.bound:
            return False
        self.error = ""
        reader = {
            "one_of": self._choice,
            "any_of": self._set,
            "number": self._number,
            "date": self._date,
            "text": self._text,
        }.get(self.kind.entry)
        if reader is None:  # display: nothing to answer
            return True
        reader()
        return not self.error

    def _unanswered(self) -> str:
        # The registry holds the message untranslated; translated here, as shown.
        return _(self.kind.unanswered)

    def _choice(self) -> None:
        codes = {choice.code for choice in self.options}
        chosen = next(iter(self.selected), None)
        if chosen is None:
            if self.item.required:
                self.error = self._unanswered()
            return
        if chosen not in codes:
            self.error = _("Select one of the answers")
            return
        self.value = int(chosen) if self.kind.answer == "number" else chosen

    def _set(self) -> None:
        options = {choice.code: choice for choice in self.options}
        chosen = [code for code in options if code in self.selected]  # definition order
        if not chosen:
            if self.item.required:
                self.error = self._unanswered()
            return
        if len(chosen) != len(self.selected):
            self.error = _("Select one of the answers")
            return
        exclusive = [code for code in chosen if options[code].exclusive]
        if exclusive and len(chosen) > 1:
            self.error = _("Choose “%(label)s” on its own, or untick it") % {
                "label": options[exclusive[0]].label
            }
            return
        low, high = self.item.min, self.item.max
        if low is not None and len(chosen) < low:
            self.error = _("Select at least %(count)s answers") % {"count": int(low)}
            return
        if high is not None and len(chosen) > high:
            self.error = _("Select no more than %(count)s answers") % {"count": int(high)}
            return
        self.value = chosen

    def _number(self) -> None:
        raw = self.raw.replace(" ", "").replace("\u00a0", "")
        unit = self.unit
        if unit and raw.lower().endswith(unit.lower()):
            raw = raw[: -len(unit)]
        if not raw:
            if self.item.required:
                self.error = self._unanswered()
            return
        low, high = self.item.min, self.item.max
        between = {
            "min": number_text(low, self.language) if low is not None else "",
            "max": number_text(high, self.language) if high is not None else "",
        }
        if self.kind.whole:
            if not _INTEGER.fullmatch(raw):
                self.error = _("Enter a whole number, like %(example)s") % {"example": self.example}
                return
            # Through Decimal, not int(): Python refuses int() of more than 4300
            # digits, and the bounds below turn an absurd number into a message.
            decimal = Decimal(raw)
        else:
            raw = raw.replace(",", ".")
            if not _DECIMAL.fullmatch(raw):
                self.error = _("Enter a number, like %(example)s") % {"example": self.example}
                return
            try:
                decimal = Decimal(raw)
            except InvalidOperation:  # pragma: no cover - the pattern allows only numbers
                self.error = _("Enter a number, like %(example)s") % {"example": self.example}
                return
            places = self.item.decimals or 0
            exponent = decimal.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > places:
                self.error = (
                    _("Enter a whole number")
                    if places == 0
                    else _("Enter the number with at most %(places)s decimal") % {"places": places}
                )
                return
        # Checked as a Decimal before it becomes an int or float: 5000 digits are
        # simply out of range, never an overflow or Python's int digit limit.
        if (low is not None and decimal < low) or (high is not None and decimal > high):
            self.error = _("Enter a number from %(min)s to %(max)s") % between
            return
        whole = decimal == decimal.to_integral_value()
        self.value = int(decimal) if whole else float(decimal)

    def _date(self) -> None:
        parts = self.date
        if parts.empty:
            if self.item.required:
                self.error = self._unanswered()
                parts.bad = {"day", "month", "year"}
            return
        if parts.error:
            self.error = parts.error
            return
        assert parts.value is not None
        iso = parts.value.isoformat()
        if self.item.min_date and iso < self.item.min_date:
            self.error = _("The date must be on or after %(date)s") % {
                "date": formats.date_format(dt.date.fromisoformat(self.item.min_date))
            }
        elif self.item.max_date and iso > self.item.max_date:
            self.error = _("The date must be on or before %(date)s") % {
                "date": formats.date_format(dt.date.fromisoformat(self.item.max_date))
            }
        if self.error:
            parts.bad = {"day", "month", "year"}
            return
        self.value = iso

    def _text(self) -> None:
        value = self.raw.strip()
        if not value:
            if self.item.required:
                self.error = self._unanswered()
            return
        if "\x00" in value:  # PostgreSQL cannot store it; Django's CharField refuses it too
            self.error = _("Remove the null character from your answer")
            return
        if len(value) > self.max_length:
            # The text stays in the box (the page shows it again) for the
            # patient to shorten; nothing is cut.
            self.error = _(
                "Your answer is %(length)s characters long and can be at most %(count)s."
                " Please shorten it by %(over)s characters: your text is kept below."
            ) % {
                "length": len(value),
                "count": self.max_length,
                "over": len(value) - self.max_length,
            }
            return
        self.value = value

    @property
    def error_anchor(self) -> str:
        """The id of the control the error summary links to."""
        entry = self.kind.entry
        if entry in ("one_of", "any_of"):
            options = self.options
            first = next((c for c in options if c.checked), options[0] if options else None)
            return f"answer-{first.code}" if first else "answer"
        if entry == "date":
            return f"answer-{self.date.first_bad}"
        return "answer"


# --- Reception --------------------------------------------------------------------------


class CprForm(forms.Form):
    """Finding a patient: the CPR number comes only in a POST body."""

    cpr = forms.CharField(
        label=gettext_lazy("CPR number"),
        max_length=11,
        help_text=gettext_lazy("10 digits, for example 010190-1234."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_cpr(self) -> str:
        value: str = self.cleaned_data["cpr"]
        try:
            return parse_cpr(value).digits
        except InvalidCprError:
            raise forms.ValidationError(
                gettext_lazy("Enter a CPR number of 10 digits, like 010190-1234.")
            ) from None


class PatientCreateForm(forms.Form):
    cpr = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    mobile = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Language of the questionnaires"), choices=Patient.Language.choices
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, organisations: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if len(organisations) == 1:
            field.initial = organisations[0].pk
            field.widget = forms.HiddenInput()

    def clean_cpr(self) -> str:
        value: str = self.cleaned_data["cpr"]
        try:
            return parse_cpr(value).digits
        except InvalidCprError:
            raise forms.ValidationError(gettext_lazy("Enter a valid CPR number.")) from None

    def clean_mobile(self) -> str:
        value: str = self.cleaned_data["mobile"].replace(" ", "")
        if value and not re.fullmatch(r"\+?[0-9]{8,15}", value):
            raise forms.ValidationError(gettext_lazy("Enter a mobile number of 8 digits or more."))
        return value


class VersionsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Active questionnaire versions by title in the user's language.

    A secretary chooses a questionnaire, not a version: the version number is
    shown only beside a questionnaire offered in two versions at once.
    """

    language = "da"
    both_offered: frozenset[str] = frozenset()

    def label_from_instance(self, obj: Any) -> str:
        assert isinstance(obj, QuestionnaireVersion)
        title = obj.title(self.language)
        if obj.questionnaire_id in self.both_offered:
            return f"{title} ({obj.version})"
        return title

    def offer(self, versions: list[QuestionnaireVersion], language: str) -> None:
        """Offer ``versions``, sorted by title as a reader of ``language`` sorts."""
        self.language = language
        counts = Counter(v.questionnaire_id for v in versions)
        self.both_offered = frozenset(q for q, n in counts.items() if n > 1)
        ordered = sorted(versions, key=lambda v: (sort_key(v.title(language), language), v.pk))
        self.queryset = QuestionnaireVersion.objects.filter(pk__in=[v.pk for v in versions])
        # The queryset validates what was posted; the choices keep this order.
        self.choices = [(v.pk, self.label_from_instance(v)) for v in ordered]


#: How far ahead a consultation can be booked: a date beyond is a typo (9999-12-31
#: was accepted, and its day then lay outside the worklist's days).
BOOKING_HORIZON = dt.timedelta(days=2 * 365)


class InviteForm(forms.Form):
    """A consultation (date and time) and the questionnaires to answer before it."""

    date = forms.DateField(
        label=gettext_lazy("Date of the consultation"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    versions = VersionsField(
        label=gettext_lazy("Questionnaires"),
        queryset=QuestionnaireVersion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one questionnaire.")},
    )
    send_email = forms.BooleanField(label=gettext_lazy("Send the link by e-mail"), required=False)
    send_sms = forms.BooleanField(label=gettext_lazy("Send the link by SMS"), required=False)

    def __init__(self, *args: Any, patient: Patient, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = self.fields["versions"]
        assert isinstance(versions, VersionsField)
        versions.offer(
            list(QuestionnaireVersion.objects.filter(status=QuestionnaireVersion.Status.ACTIVE)),
            language,
        )
        self.fields["send_email"].initial = bool(patient.email)
        self.fields["send_sms"].initial = bool(patient.mobile)
        if not patient.email:
            self.fields["send_email"].disabled = True
        if not patient.mobile:
            self.fields["send_sms"].disabled = True

    def clean_date(self) -> dt.date:
        date: dt.date = self.cleaned_data["date"]
        if date > timezone.localdate() + BOOKING_HORIZON:
            raise forms.ValidationError(gettext_lazy("Choose a date within the next two years."))
        return date

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date, time = cleaned.get("date"), cleaned.get("time")
        if date and time:
            starts_at = timezone.make_aware(dt.datetime.combine(date, time))
            if starts_at <= timezone.now():
                self.add_error("time", gettext_lazy("The consultation must be in the future."))
            cleaned["starts_at"] = starts_at
        return cleaned


class ResendForm(forms.Form):
    send_email = forms.BooleanField(required=False)
    send_sms = forms.BooleanField(required=False)


class KioskEnrolForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of this tablet"),
        max_length=100,
        help_text=gettext_lazy("For example “Waiting room, by the window”."),
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, organisations: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if len(organisations) == 1:
            field.initial = organisations[0].pk
            field.widget = forms.HiddenInput()


class VisitCodeForm:
    """The code from reception, on the tablet."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.code = str((data or {}).get("code", "")).strip().replace(" ", "")
        self.error = ""
        if data is not None:
            if not self.code:
                self.error = _("Enter the code you got at reception")
            elif not re.fullmatch(r"[0-9]{6}", self.code):
                self.error = _("The code has 6 numbers")

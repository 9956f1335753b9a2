"""Forms of the clinician pages: parse, validate, nothing clinical."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

#: The days the worklist can show. Consultations are booked in this century;
#: the bounds keep the day's start and end (and the previous and next day)
#: far from the ends of Python's dates, which 0001-01-01 and 9999-12-31 overflowed.
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


class WorklistFilterForm(forms.Form):
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    colour = forms.ChoiceField(
        label=_("Colour"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        choices=[
            ("", _("All colours")),
            # A safety question left unanswered ranks with red, so "red" keeps it.
            ("red", _("Red or safety question unanswered")),
            ("yellow", _("Yellow")),
            ("incomplete", _("Incomplete")),
            ("green", _("Green")),
        ],
    )
    questionnaire = forms.ChoiceField(
        label=_("Questionnaire"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    unreviewed = forms.BooleanField(
        label=_("Only not yet reviewed"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    # The page of the awaiting-review list and of the overdue block, from the
    # pagers' links; a number past the last page shows the last.
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    overdue_page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_day(self) -> dt.date:
        day: dt.date = self.cleaned_data["day"]
        if not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Choose a day between %(first)s and %(last)s."),
                params={
                    "first": formats.date_format(FIRST_DAY),
                    "last": formats.date_format(LAST_DAY),
                },
            )
        return day

    def __init__(self, *args: object, questionnaires: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["questionnaire"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All questionnaires")), *questionnaires]


class PatientSearchForm(forms.Form):
    """Name or CPR number; always POSTed so a CPR number never reaches a URL."""

    query = forms.CharField(
        label=_("Name or CPR number"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "form-control"}),
    )

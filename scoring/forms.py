"""Forms of the clinician pages: parse, validate, nothing clinical."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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
            ("red", _("Red")),
            ("yellow", _("Yellow")),
            ("not_assessable", _("Not assessable")),
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

"""The online 总表 form, built from an edition's declaration.

Each item becomes a field (label, unit, help text, range, required flag from the edition);
``clean()`` runs the edition's rules through ``validate_values``. Errors block saving;
warnings block saving until every one of them is confirmed by ticking its box.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.editions.base import WARNING, Edition, Item
from surveys.editions.validation import (
    Result,
    check_maximum,
    check_minimum,
    check_required,
    check_type,
    validate_values,
)

YES_NO_CHOICES = (("", gettext_lazy("未填")), ("1", gettext_lazy("是")), ("0", gettext_lazy("否")))


def _yes_no(value):
    return value == "1"


class YesNoField(forms.TypedChoiceField):
    """是/否 as "1"/"0" in the form and ``bool`` in the stored values."""

    def prepare_value(self, value):
        # Stored values (initial) are bools; the select's options are "1" and "0".
        if isinstance(value, bool):
            return "1" if value else "0"
        return value


_message = lazy(lambda check, *args: check(*args) or "", str)


def field_for(edition: Edition, item: Item) -> forms.Field:
    """The form field of one item; its messages come from the same rule functions, worded
    only when one is shown (a page of the form shows none: issue 21)."""
    messages = {
        "required": _message(check_required, edition, item, None),
        "invalid": _message(check_type, edition, item, "?"),
        "invalid_choice": _message(check_type, edition, item, "?"),
    }
    if not item.is_integer:
        return YesNoField(
            label=item.label,
            choices=YES_NO_CHOICES,
            coerce=_yes_no,
            empty_value=None,
            required=item.required,
            help_text=item.help_text,
            error_messages=messages,
            widget=forms.Select(attrs={"class": "form-select"}),
        )
    messages["min_value"] = _message(check_minimum, edition, item, item.minimum - 1)
    if item.maximum is not None:
        messages["max_value"] = _message(check_maximum, edition, item, item.maximum + 1)
    attrs = {"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}
    return forms.IntegerField(
        label=item.label,
        min_value=item.minimum,
        max_value=item.maximum,
        required=item.required,
        help_text=item.help_text,
        error_messages=messages,
        widget=forms.TextInput(attrs=attrs),
    )


class SurveyForm(forms.Form):
    """``SurveyForm(edition, data=None, initial=None, confirmed_warnings=())``.

    ``confirmed_warnings``: ids of warnings the user already confirmed (stored with the
    report); a warning confirmed once stays confirmed while it is still raised.
    """

    def __init__(self, edition: Edition, data=None, initial=None, confirmed_warnings=(), **kw):
        super().__init__(data=data, initial=initial, **kw)
        self.edition = edition
        self.result = Result()
        for item in edition.items:
            self.fields[item.code] = field_for(edition, item)
        warning_ids = [rule.id for rule in edition.rules if rule.level == WARNING]
        self.fields["confirm_warnings"] = forms.MultipleChoiceField(
            label=_("已核对，数据无误"),
            choices=[(rule_id, rule_id) for rule_id in warning_ids],
            required=False,
            initial=[rule_id for rule_id in confirmed_warnings if rule_id in warning_ids],
            error_messages={"invalid_choice": _("所确认的提示已不存在，请重新核对后再保存。")},
            widget=forms.CheckboxSelectMultiple,
        )
        self._previously_confirmed = set(confirmed_warnings)
        if not self.is_bound and initial:
            # An unbound form of stored values shows their warnings (with the boxes the
            # user ticked before); errors appear only once the user saves.
            stored = {item.code: initial.get(item.code) for item in edition.items}
            self.result.warnings = validate_values(edition, stored).warnings

    def clean(self):
        cleaned = super().clean()
        values = {item.code: cleaned.get(item.code) for item in self.edition.items}
        self.result = validate_values(self.edition, values)
        for code, messages in self.result.errors.items():
            if code is not None and code in self.errors:
                continue  # the field's own check already said what is wrong
            for message in messages:
                self.add_error(code, message)
        if self.unconfirmed_warnings:
            self.add_error(
                None, _("请逐条核对下方的提示；确认数据无误后勾选“已核对，数据无误”，再保存。")
            )
        return cleaned

    @property
    def error_count(self) -> int:
        """How many items carry an error (for the summary above the groups)."""
        return sum(1 for code in self.errors if code in self.fields)

    @property
    def warnings(self):
        return self.result.warnings

    @property
    def confirmed_warning_ids(self) -> list[str]:
        """Ids of the current warnings the user has confirmed (to store with the values)."""
        ticked = set(self.cleaned_data.get("confirm_warnings") or ()) if self.is_bound else set()
        confirmed = ticked | (set() if self.is_bound else self._previously_confirmed)
        return [w.rule_id for w in self.warnings if w.rule_id in confirmed]

    @property
    def unconfirmed_warnings(self):
        confirmed = set(self.confirmed_warning_ids)
        return [w for w in self.warnings if w.rule_id not in confirmed]

    def values(self) -> dict:
        """The values to store: ``{code: int | bool | None}`` (blank stays ``None``)."""
        if not self.is_valid():
            raise ValueError("SurveyForm.values() needs a valid form")
        return {item.code: self.cleaned_data.get(item.code) for item in self.edition.items}

    @property
    def groups(self):
        """``[(group, [bound field, ...]), ...]`` in the edition's order; every bound field
        carries ``item`` (its declaration) and ``survey_warnings`` (messages for it)."""
        by_code = {}
        for warning in self.warnings:
            by_code.setdefault(warning.code, []).append(warning.message)
        groups = []
        for group in self.edition.groups:
            fields = []
            for item in group.items:
                bound = self[item.code]
                if bound.errors and "is-invalid" not in bound.field.widget.attrs["class"]:
                    bound.field.widget.attrs["class"] += " is-invalid"
                bound.item = item
                bound.survey_warnings = by_code.get(item.code, [])
                fields.append(bound)
            groups.append((group, fields))
        return groups

    def confirm_choices(self):
        """``[(warning, checked), ...]`` for the warnings list of the template."""
        if self.is_bound:
            name = self.add_prefix("confirm_warnings")
            if hasattr(self.data, "getlist"):
                ticked = set(self.data.getlist(name))
            else:
                ticked = set(self.data.get(name) or ())
        else:
            ticked = self._previously_confirmed
        return [(warning, warning.rule_id in ticked) for warning in self.warnings]

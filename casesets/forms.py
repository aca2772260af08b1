"""The 增加病例 / 修改 forms of both attachments, built from ``casesets.specs``.

Each column becomes a field (label, help text, value list, range and messages from the
declaration and the rule functions); the core fields come first and the optional clinical
fields form the group the template shows as a collapsible "更多临床信息". ``clean()`` runs the
attachment's rules through ``validate_case``: errors block saving, warnings block saving
until each is confirmed by ticking its box (as the 总表 form does). Saving goes through
``casesets.services`` (the form never writes the database itself).
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.editions.validation import Result

from . import validators as v
from .models import InterventionCase, ThrombolysisCase
from .services import case_context
from .specs import ATTACHMENT2, ATTACHMENT3, BY_HAND, CaseSpec, Column

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows
DATETIME_INPUT_FORMATS = [
    DATETIME_FORMAT,
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
]
YES_NO_CHOICES = (("", gettext_lazy("未填")), ("1", gettext_lazy("是")), ("0", gettext_lazy("否")))


def _yes_no(value):
    return value == "1"


def _messages(column: Column) -> dict:
    """The field's error messages, written by the same rule functions the importer uses."""
    messages = {
        "required": v.check_required(column, None),
        "invalid": v.check_type(column, "?"),
        "invalid_choice": v.check_choice(column, ["?"] if column.kind == v.MULTI else "?"),
    }
    if column.minimum is not None:
        messages["min_value"] = v.check_range(column, column.minimum - 1)
    if column.maximum is not None:
        too_big = v.check_range(column, column.maximum + 1)
        messages.update(
            max_value=too_big,
            max_digits=too_big,
            max_whole_digits=too_big,
        )
    if column.kind == v.DECIMAL:
        messages["max_decimal_places"] = _("%(label)s最多保留%(places)s位小数。") % {
            "label": column.label,
            "places": column.model_field.decimal_places,
        }
    if column.max_length:
        messages["max_length"] = v.check_length(column, "x" * (column.max_length + 1))
    return {key: value for key, value in messages.items() if value}


def field_for(column: Column) -> forms.Field:
    """The form field of one column."""
    common = {
        "label": column.label,
        "required": column.required,
        "help_text": column.help_text,
        "error_messages": _messages(column),
    }
    text = {"class": "form-control", "autocomplete": "off"}
    kind = column.kind
    if kind == v.TEXT:
        return forms.CharField(
            max_length=column.max_length, widget=forms.TextInput(attrs=text), **common
        )
    if kind == v.INTEGER:
        return forms.IntegerField(
            min_value=column.minimum,
            max_value=column.maximum,
            widget=forms.TextInput(attrs={**text, "inputmode": "numeric"}),
            **common,
        )
    if kind == v.DECIMAL:
        model_field = column.model_field
        return forms.DecimalField(
            min_value=column.minimum,
            max_value=column.maximum,
            max_digits=model_field.max_digits,
            decimal_places=model_field.decimal_places,
            widget=forms.TextInput(attrs={**text, "inputmode": "decimal"}),
            **common,
        )
    if kind == v.CHOICE:
        return forms.TypedChoiceField(
            choices=[("", _("请选择")), *column.choices],
            empty_value="",
            widget=forms.Select(attrs={"class": "form-select"}),
            **common,
        )
    if kind == v.MULTI:
        return forms.MultipleChoiceField(
            choices=column.choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == v.DATETIME:
        return forms.DateTimeField(
            input_formats=DATETIME_INPUT_FORMATS,
            widget=forms.DateTimeInput(
                attrs={"class": "form-control", "type": "datetime-local"}, format=DATETIME_FORMAT
            ),
            **common,
        )
    if kind == v.DATE:
        return forms.DateField(
            input_formats=["%Y-%m-%d"],
            widget=forms.DateInput(
                attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d"
            ),
            **common,
        )
    if kind == v.BOOLEAN and not column.model_field.null:
        return forms.BooleanField(
            widget=forms.CheckboxInput(attrs={"class": "form-check-input"}), **common
        )
    if kind == v.BOOLEAN:
        return forms.TypedChoiceField(
            choices=YES_NO_CHOICES,
            coerce=_yes_no,
            empty_value=None,
            widget=forms.Select(attrs={"class": "form-select"}),
            **common,
        )
    raise TypeError(f"{column.name}: no form field for {kind}")


class CaseForm(forms.ModelForm):
    """``XxxCaseForm(data=None, *, report, instance=None)``.

    ``report``: the report the case belongs to (its year, and the other cases the 住院号
    rules compare with). A warning confirmed when the case was saved stays confirmed on
    the next edit while it is still raised.
    """

    spec: CaseSpec

    def __init__(self, data=None, *, report, instance=None, **kwargs):
        super().__init__(data=data, instance=instance, **kwargs)
        self.report = report
        if self.instance.report_id is None:
            self.instance.report = report
        self.result = Result()
        for column in self.spec.input_columns:
            self.fields[column.name] = field_for(column)
        warning_ids = self.spec.warning_ids(BY_HAND)
        self._previously_confirmed = set(self.instance.confirmed_warnings or ())
        self.fields["confirm_warnings"] = forms.MultipleChoiceField(
            label=_("已核对，数据无误"),
            choices=[(rule_id, rule_id) for rule_id in warning_ids],
            required=False,
            initial=[i for i in self._previously_confirmed if i in warning_ids],
            error_messages={"invalid_choice": _("所确认的提示已不存在，请重新核对后再保存。")},
            widget=forms.CheckboxSelectMultiple,
        )
        if not self.is_bound and self.instance.pk:
            # An unbound form of a stored case shows its warnings (boxes ticked as before).
            values = self.spec.values_of(self.instance)
            self.result.warnings = v.validate_case(
                self.spec, values, self._context(values.get("admission_no"))
            ).warnings

    def _context(self, admission_no):
        return case_context(
            self.spec, self.report, admission_no=admission_no, exclude_pk=self.instance.pk
        )

    def clean_admission_no(self):
        return v.normalize_admission_no(self.cleaned_data.get("admission_no"))

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in self.spec.input_names}
        # A field that failed its own check is judged by that message only.
        for name in self.errors:
            values.pop(name, None)
        self.result = v.validate_case(
            self.spec, values, self._context(values.get("admission_no")), entry=BY_HAND
        )
        for name, messages in self.result.errors.items():
            if name is not None and (name in self.errors or name not in self.fields):
                continue
            for message in messages:
                self.add_error(name, message)
        if self.unconfirmed_warnings:
            self.add_error(
                None, _("请逐条核对下方的提示；确认数据无误后勾选“已核对，数据无误”，再保存。")
            )
        return cleaned

    # Warnings ---------------------------------------------------------------------------

    @property
    def warnings(self):
        return self.result.warnings

    @property
    def confirmed_warning_ids(self) -> list[str]:
        """Ids of the current warnings the user has confirmed (stored with the case)."""
        if self.is_bound:
            confirmed = set(self.cleaned_data.get("confirm_warnings") or ())
        else:
            confirmed = self._previously_confirmed
        return [w.rule_id for w in self.warnings if w.rule_id in confirmed]

    @property
    def unconfirmed_warnings(self):
        confirmed = set(self.confirmed_warning_ids)
        return [w for w in self.warnings if w.rule_id not in confirmed]

    def confirm_choices(self):
        """``[(warning, checked), ...]`` for the template's list of warnings."""
        if self.is_bound:
            name = self.add_prefix("confirm_warnings")
            getter = getattr(self.data, "getlist", None)
            ticked = set(getter(name) if getter else self.data.get(name) or ())
        else:
            ticked = self._previously_confirmed
        return [(warning, warning.rule_id in ticked) for warning in self.warnings]

    # Layout -----------------------------------------------------------------------------

    def _bound(self, columns):
        by_field = {}
        for warning in self.warnings:
            by_field.setdefault(warning.code, []).append(warning.message)
        fields = []
        for column in columns:
            bound = self[column.name]
            attrs = bound.field.widget.attrs
            if bound.errors and "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            bound.column = column
            bound.case_warnings = by_field.get(column.name, [])
            fields.append(bound)
        return fields

    @property
    def core_fields(self):
        """The 2018 fields, shown first."""
        return self._bound(self.spec.core_columns)

    @property
    def optional_fields(self):
        """The optional clinical fields (更多临床信息)."""
        return self._bound(self.spec.optional_columns)

    @property
    def optional_open(self) -> bool:
        """Show 更多临床信息 unfolded: something in it needs attention or is filled."""
        names = {c.name for c in self.spec.optional_columns}
        if names & set(self.errors) or any(w.code in names for w in self.warnings):
            return True
        if self.is_bound:
            return False
        return any(
            not v.is_blank(getattr(self.instance, name))
            and getattr(self.instance, name) is not False
            for name in names
        )

    def save(self, commit=False):
        """The case with the user's input and confirmed warnings, NOT saved: hand it to
        ``casesets.services.add_case`` / ``update_case``."""
        if commit:
            raise ValueError("Cases are saved through casesets.services, not the form.")
        case = super().save(commit=False)
        case.confirmed_warnings = self.confirmed_warning_ids
        return case


class ThrombolysisCaseForm(CaseForm):
    """附件3 单纯静脉溶栓个案."""

    spec = ATTACHMENT3

    class Meta:
        model = ThrombolysisCase
        fields = ATTACHMENT3.input_names


class InterventionCaseForm(CaseForm):
    """附件2 血管内介入治疗个案."""

    spec = ATTACHMENT2

    class Meta:
        model = InterventionCase
        fields = ATTACHMENT2.input_names


FORMS = {ATTACHMENT3.kind: ThrombolysisCaseForm, ATTACHMENT2.kind: InterventionCaseForm}


def form_for(kind: str) -> type[CaseForm]:
    """The form class of an attachment (``"thrombolysis"`` / ``"intervention"``)."""
    return FORMS[kind]

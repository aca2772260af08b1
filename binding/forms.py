"""The 绑定 confirmation's one field: the 申请说明 of a 绑定申请."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .claims import NOTE_MAX_LENGTH, note_required_message


class ClaimForm(forms.Form):
    note = forms.CharField(
        label=_("申请说明"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "请说明该数据为何属于本单位，例如医院曾用名、行政区划调整或合并，审核员据此核实。"
        ),
    )

    def __init__(self, *args, note_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.note_required = note_required

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if self.note_required and not note:
            raise forms.ValidationError(note_required_message())
        return note

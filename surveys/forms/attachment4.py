"""The 附件4 upload form: several page images or one PDF. The files are judged once, by
``surveys.attachment4.check_files``; the form only collects them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.attachment4 import ACCEPT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A list of uploaded files (Django's documented pattern for ``multiple``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not isinstance(data, list | tuple):
            data = [data] if data else []
        if not data:
            return single(None, initial)  # "required"
        return [single(item, initial) for item in data]


class ScanUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("附件4扫描件（多张图片或一个PDF）"),
        help_text=_(
            "可一次选择多张图片（jpg、jpeg、png、bmp、gif），或一个PDF；"
            "每个文件不超过10MB，最多10个文件。上传后将替换当前的附件4。"
        ),
        error_messages={
            "required": _("请选择要上传的附件4扫描件（图片或PDF）。"),
            "empty": _("上传的文件是空文件，请重新选择。"),
        },
    )

    def __init__(self, *args, file_error=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_error = file_error

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self.file_error:
            self.cleaned_data.pop("files", None)
            self._errors["files"] = self.error_class([self.file_error])

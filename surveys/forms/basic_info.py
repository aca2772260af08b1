"""基本信息 form (SPEC §3.6): 医院信息, 医院负责人信息, 医院联系人信息."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms.sms import MobileField
from institutions.forms import RegionField

from ..models import BasicInfo

YES_NO = ((True, _("是")), (False, _("否")))
EMAIL_INVALID = _("请填写有效的电子邮箱地址，例如 name@hospital.cn。")


def _yes_no_field(label):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True"),
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择“是”或“否”。")},
    )


class BasicInfoForm(forms.ModelForm):
    region = RegionField()
    is_base_hospital = _yes_no_field(_("基地医院"))
    is_advanced_stroke_center = _yes_no_field(_("高级卒中中心(含建设单位)"))
    director_mobile = MobileField(label=_("联系电话(手机号)"))
    contact_mobile = MobileField(label=_("联系电话(手机号)"))

    # Fields of each section, in the order of the manual's form.
    SECTIONS = (
        (_("医院信息"), ("region", "hospital_name", "grade", "category")),
        (_("医院负责人信息"), ("director_name", "director_mobile", "director_email")),
        (_("医院联系人信息"), ("contact_name", "contact_mobile", "contact_email")),
    )

    class Meta:
        model = BasicInfo
        fields = BasicInfo.FORM_FIELDS
        labels = {
            "director_name": _("姓名"),
            "director_email": _("电子邮箱"),
            "contact_name": _("姓名"),
            "contact_email": _("电子邮箱"),
        }
        error_messages = {
            "director_email": {"invalid": EMAIL_INVALID},
            "contact_email": {"invalid": EMAIL_INVALID},
        }
        widgets = {
            "hospital_name": forms.TextInput(attrs={"placeholder": _("与医疗机构执业许可证一致")}),
            "director_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("grade", "category"):
            field = self.fields[name]
            field.choices = [("", _("请选择")), *list(field.choices)[1:]]
        for name in ("director_name", "director_mobile", "contact_name", "contact_mobile"):
            # Someone else's name and number: the browser's own entries would be wrong.
            self.fields[name].widget.attrs["autocomplete"] = "off"
        for name in ("hospital_name", "director_name", "director_mobile", "director_email",
                     "contact_name", "contact_mobile", "contact_email"):  # fmt: skip
            label = self.fields[name].label
            self.fields[name].error_messages["required"] = _("请填写%(label)s。") % {"label": label}
        for name in ("grade", "category"):
            label = self.fields[name].label
            self.fields[name].error_messages["required"] = _("请选择%(label)s。") % {"label": label}

    def clean_hospital_name(self):
        return " ".join(self.cleaned_data["hospital_name"].split())

    def clean_director_name(self):
        return self.cleaned_data["director_name"].strip()

    def clean_contact_name(self):
        return self.cleaned_data["contact_name"].strip()

    # Bootstrap columns of each field; the rest take a third of the row on wide screens.
    COLUMNS = {
        "region": "col-12",
        "hospital_name": "col-lg-6",
        "grade": "col-md-6 col-lg-3",
        "category": "col-md-6 col-lg-3",
        "is_base_hospital": "col-md-6 yes-no",
        "is_advanced_stroke_center": "col-md-6 yes-no",
    }

    def sections(self):
        """(title, [(bound field, column classes)]) per section, for the template; the two
        是/否 questions close the 医院信息 section."""
        result = []
        for index, (title, names) in enumerate(self.SECTIONS):
            if index == 0:
                names = (*names, "is_base_hospital", "is_advanced_stroke_center")
            columns = [(self[name], self.COLUMNS.get(name, "col-md-6 col-xl-4")) for name in names]
            result.append((title, columns))
        return result

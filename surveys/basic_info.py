"""基本信息: pre-filling from the institution, saving with the author, and 编辑日志."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.validators import mask_mobile
from institutions.region_names import printed_name

from .models import BasicInfo

# Copied from the Institution record on the first visit, so the clerk only adds the people.
INSTITUTION_FIELDS = {
    "region": "region_id",
    "hospital_name": "name",
    "grade": "grade",
    "category": "category",
    "is_base_hospital": "is_base_hospital",
    "is_advanced_stroke_center": "is_advanced_stroke_center",
}


class BasicInfoError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def basic_info_of(institution):
    """The institution's 基本信息, or None before it is first saved."""
    return (
        BasicInfo.objects.select_related("region", "updated_by")
        .filter(institution=institution)
        .first()
    )


def initial_from_institution(institution):
    """Form initial values taken from the institution's own record."""
    return {key: getattr(institution, attr) for key, attr in INSTITUTION_FIELDS.items()}


def save_basic_info(basic_info, user):
    """Save ``basic_info`` (new or edited) for ``user``'s institution, recording ``user`` as
    its author in the row and in the edit history.

    Raises BasicInfoError when a colleague created the institution's 基本信息 meanwhile.
    """
    basic_info.institution_id = user.institution_id
    basic_info.updated_by = user
    if basic_info.pk is None:
        basic_info.created_by = user
    basic_info._history_user = user
    try:
        with transaction.atomic():
            basic_info.save()
    except IntegrityError as error:
        raise BasicInfoError(
            _("本单位的基本信息刚刚已由其他用户保存，请在其基础上修改。")
        ) from error
    return basic_info


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Revision:
    """One save of 基本信息 as 编辑日志 shows it."""

    when: object
    who: str
    created: bool
    changes: list = field(default_factory=list)


def _display(record, name):
    """A historical record's value of ``name`` as the hospital reads it."""
    value = getattr(record, name) if name != "region" else printed_name(record.region_name)
    model_field = BasicInfo._meta.get_field(name)
    if name in BasicInfo.MOBILE_FIELDS:
        return mask_mobile(value)
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if model_field.choices:
        return str(dict(model_field.choices).get(value, value))
    return str(value or "")


def _author(record):
    user = record.history_user
    return str(user) if user is not None else str(_("系统"))


def revisions(records, previous):
    """编辑日志 entries for ``records`` (historical rows, newest first, with history_user
    loaded); ``previous`` is the row just older than the last one, or None.

    Each row is compared with the one before it using simple-history's ``diff_against``
    on the form's fields only, so no query is made per row.
    """
    rows = [*records, previous]
    entries = []
    for record, older in zip(rows, rows[1:], strict=False):
        created = older is None or record.history_type == "+"
        if created:
            names = list(BasicInfo.FORM_FIELDS)
            changes = [
                FieldChange(_field_label(name), "", _display(record, name)) for name in names
            ]
        else:
            delta = record.diff_against(older, included_fields=list(BasicInfo.FORM_FIELDS))
            changed = {change.field for change in delta.changes}
            changes = [
                FieldChange(_field_label(name), _display(older, name), _display(record, name))
                for name in BasicInfo.FORM_FIELDS
                if name in changed
            ]
            if not changes:
                continue
        entries.append(
            Revision(
                when=record.history_date, who=_author(record), created=created, changes=changes
            )
        )
    return entries


def _field_label(name):
    return str(BasicInfo._meta.get_field(name).verbose_name)

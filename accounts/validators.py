"""Rules for people's identifiers (DATA_DICTIONARY §7.7, §7.8). One function per rule."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_PERSON_NAME_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z·• ]{2,30}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Digits 1–2 of GB/T 2260 province codes, plus 81/82/83 for 港澳台居民居住证.
_ID_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}  # fmt: skip


def normalize_mobile(value):
    """'+86 138-0013-8000' or full-width digits → '13800138000'."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", str(value or "")))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def validate_mobile(value):
    """手机号码: an 11-digit mainland mobile number, 13x–19x."""
    if not _MOBILE_RE.match(normalize_mobile(value)):
        raise ValidationError(
            _("手机号码应为11位中国大陆手机号（以13–19开头），请检查是否多输或少输了数字。"),
            code="mobile_format",
        )


def normalize_id_number(value):
    """Half-width, no spaces, upper-case X."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or ""))).upper()


def id_number_check_character(first17):
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value):
    """身份证号码 (GB 11643-1999): 18 characters, a real birth date, a correct check character."""
    number = normalize_id_number(value)
    if not _ID_RE.match(number):
        raise ValidationError(
            _("身份证号码应为18位：前17位为数字，最后一位为数字或字母X。"), code="id_format"
        )
    if number[:2] not in _ID_PROVINCES:
        raise ValidationError(
            _("身份证号码前两位不是有效的省级行政区划代码，请核对。"), code="id_region"
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or not datetime.date(1900, 1, 1) <= birth <= datetime.date.today():
        raise ValidationError(_("身份证号码第7–14位的出生日期无效，请核对。"), code="id_birth_date")
    if id_number_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("身份证号码校验位（最后一位）不正确，请逐位核对后重新填写。"), code="id_check"
        )


def mask_id_number(value):
    """1101**********002X: the first four and last four characters only."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_mobile(value):
    """138****8000."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:]


def mask_phone(value):
    """A 联系电话 that may be a mobile or a landline: 138****8000, 010****5269; a shorter
    number shows less (159****25), a very short one only its first digit."""
    value = (value or "").strip()
    if len(value) >= 11:
        return mask_mobile(value)
    if len(value) >= 7:
        return value[:3] + "****" + value[-2:]
    return value[:1] + "****" if value else ""


def mask_username(username):
    """bj***er: the first two and last two characters; names under six keep only the first."""
    if not username:
        return ""
    if len(username) < 6:
        return username[0] + "***"
    return username[:2] + "***" + username[-2:]


def validate_person_name(value):
    """A person's 姓名 (真实姓名, 医院负责人, 医院联系人): 2–30 Chinese or Latin letters, ``·``
    allowed."""
    if not _PERSON_NAME_RE.match(str(value or "").strip()):
        raise ValidationError(
            _("姓名应为2–30个汉字或字母，可含间隔号“·”，不能含数字或其他符号。"),
            code="person_name",
        )

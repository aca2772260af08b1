"""Field rules for institutions. One function per rule, used by forms, admin and importers.

Each ``normalize_*`` function turns what a clerk typed (full-width characters, spaces, lower
case) into the stored form; each ``validate_*`` raises ``ValidationError`` with a Chinese
message that names the field and says how to fix it.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the 31 characters allowed (no I, O, S, V, Z) and the weights of positions 1–17.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{2}}\d{{6}}[{USCC_CHARSET}]{{10}}$")

_LICENCE_RE = re.compile(r"^[0-9A-Z]{8,30}$")


def normalize_code(value):
    """Upper-case, half-width, no whitespace: '９１１１ 0000x' → '91110000X'."""
    if value is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()


def uscc_check_character(first17):
    """The 18th character of a 统一社会信用代码 whose first 17 characters are given."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value):
    """统一社会信用代码: 18 characters of the GB 32100 set with a correct check character."""
    code = normalize_code(value)
    if not _USCC_RE.match(code):
        raise ValidationError(
            _(
                "统一社会信用代码应为18位，由数字和大写字母组成（不含 I、O、S、V、Z），"
                "请核对营业执照或法人证书。"
            ),
            code="uscc_format",
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请逐位核对后重新填写。"), code="uscc_check"
        )


def validate_licence_number(value):
    """医疗机构执业许可证登记号: 8–30 digits and capital letters, as printed on the licence."""
    if not _LICENCE_RE.match(normalize_code(value)):
        raise ValidationError(
            _("医疗机构执业许可证登记号应为8–30位数字或大写字母，请按许可证正本上的登记号填写。"),
            code="licence_format",
        )

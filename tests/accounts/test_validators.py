import pytest
from django.core.exceptions import ValidationError

from accounts.validators import (
    mask_id_number,
    mask_mobile,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "360426199101010071", "11010519491231002x"]
)
def test_valid_id_numbers_pass(number):
    validate_id_number(number)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("360426199101010072", "校验位"),
        ("1101051949123100", "18位"),
        ("11010519490231002X", "出生日期"),  # 31 February
        ("110105" + "21000101" + "0010", "出生日期"),  # born in the future
        ("440524188001010014", "出生日期"),  # GB 11643's own example, born before 1900
        ("99010519491231002X", "省级"),
    ],
)
def test_invalid_id_numbers_say_why(number, message):
    with pytest.raises(ValidationError) as error:
        validate_id_number(number)
    assert message in error.value.messages[0]


@pytest.mark.parametrize(
    "mobile", ["13800138000", "19912345678", "+8613800138000", "１３８００１３８０００"]
)
def test_valid_mobiles_pass(mobile):
    validate_mobile(mobile)


@pytest.mark.parametrize("mobile", ["12345678901", "1380013800", "138001380000", "abc"])
def test_invalid_mobiles_are_refused(mobile):
    with pytest.raises(ValidationError, match="11位"):
        validate_mobile(mobile)


def test_mobile_is_normalized():
    assert normalize_mobile("+86 138-0013-8000") == "13800138000"


def test_masks_keep_only_the_ends():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_mobile("13800138000") == "138****8000"

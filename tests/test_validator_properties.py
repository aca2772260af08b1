"""Property tests (hypothesis) of the identifier rules every form and importer uses
(issue 9 item 9; checklist 7.4): 身份证号码 (GB 11643, ISO 7064 MOD 11-2), 手机号码 and
统一社会信用代码 (GB 32100). Valid numbers are built the way the standards define them;
every single-character change of a valid number must then be refused, and no input may
raise anything but ``ValidationError``."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from accounts.validators import (
    id_number_check_character,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)
from institutions.validators import (
    USCC_CHARSET,
    normalize_code,
    uscc_check_character,
    validate_uscc,
)

PROVINCES = ["11", "12", "31", "44", "50", "65", "71", "81", "82", "83"]
DIGITS = "0123456789"


def accepts(validator, value):
    try:
        validator(value)
    except ValidationError:
        return False
    return True


# 身份证号码 -----------------------------------------------------------------------------------

birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today())


@st.composite
def id_numbers(draw):
    province = draw(st.sampled_from(PROVINCES))
    area = draw(st.text(DIGITS, min_size=4, max_size=4))
    birth = draw(birth_dates)
    sequence = draw(st.text(DIGITS, min_size=3, max_size=3))
    first17 = f"{province}{area}{birth:%Y%m%d}{sequence}"
    return first17 + id_number_check_character(first17)


def mod_11_2(first17):
    """ISO 7064 MOD 11-2 written from the standard, independently of the validator."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(first17))
    return "10X98765432"[total % 11]


@given(id_numbers())
@example("11010519491231002X")  # the GB 11643 sample
def test_every_well_formed_id_number_is_accepted(number):
    assert mod_11_2(number[:17]) == number[17]
    validate_id_number(number)
    validate_id_number(number.lower())
    validate_id_number(f" {number[:6]} {number[6:]} ")


@given(id_numbers(), st.integers(0, 17), st.sampled_from(DIGITS + "X"))
def test_changing_any_one_character_of_an_id_number_is_refused(number, position, character):
    changed = number[:position] + character + number[position + 1 :]
    if changed == number:
        return
    # MOD 11-2 detects every single-character error: no weight is 0 modulo 11.
    assert not accepts(validate_id_number, changed)


@given(st.text(max_size=30))
@settings(max_examples=300)
def test_arbitrary_text_is_an_id_number_only_with_the_right_check_character(text):
    if accepts(validate_id_number, text):
        number = normalize_id_number(text)
        assert len(number) == 18 and mod_11_2(number[:17]) == number[17]


# 手机号码 -------------------------------------------------------------------------------------


@given(st.sampled_from("3456789"), st.text(DIGITS, min_size=9, max_size=9))
def test_every_mainland_mobile_is_accepted_with_or_without_the_country_code(second, rest):
    mobile = f"1{second}{rest}"

    for written in (mobile, f"+86 {mobile}", f"0086{mobile}", f"{mobile[:3]}-{mobile[3:]}"):
        validate_mobile(written)
        assert normalize_mobile(written) == mobile


@given(st.text(max_size=20))
@settings(max_examples=300)
def test_anything_accepted_as_a_mobile_normalizes_to_11_digits_from_13_to_19(text):
    if accepts(validate_mobile, text):
        mobile = normalize_mobile(text)
        assert len(mobile) == 11 and mobile.isdigit() and mobile[:2] >= "13"


@pytest.mark.parametrize("mobile", ["12800138000", "1380013800", "138001380000", "2380013800a"])
def test_non_mobiles_are_refused(mobile):
    assert not accepts(validate_mobile, mobile)


# 统一社会信用代码 ------------------------------------------------------------------------------


@st.composite
def credit_codes(draw):
    head = draw(st.text(USCC_CHARSET, min_size=2, max_size=2))
    region = draw(st.text(DIGITS, min_size=6, max_size=6))
    body = draw(st.text(USCC_CHARSET, min_size=9, max_size=9))
    first17 = head + region + body
    return first17 + uscc_check_character(first17)


def gb32100_check(first17):
    """The GB 32100 check character written from the standard: weights 3^i mod 31."""
    total = sum(USCC_CHARSET.index(c) * (3**i % 31) for i, c in enumerate(first17))
    return USCC_CHARSET[(31 - total % 31) % 31]


@given(credit_codes())
@example("91110000600037341L")
def test_every_well_formed_credit_code_is_accepted(code):
    assert gb32100_check(code[:17]) == code[17]
    validate_uscc(code)
    validate_uscc(code.lower())


@given(credit_codes(), st.integers(0, 17), st.sampled_from(USCC_CHARSET))
def test_changing_any_one_character_of_a_credit_code_is_refused(code, position, character):
    changed = code[:position] + character + code[position + 1 :]
    if changed == code:
        return
    # Refused by the format (a letter among the region digits) or by the check: no weight
    # is 0 modulo 31, so every single-character change moves the check character.
    assert not accepts(validate_uscc, changed)


@given(st.text(max_size=30))
@settings(max_examples=300)
def test_arbitrary_text_is_a_credit_code_only_with_the_right_check_character(text):
    if accepts(validate_uscc, text):
        code = normalize_code(text)
        assert len(code) == 18 and gb32100_check(code[:17]) == code[17]


@pytest.mark.parametrize("letter", "IOSVZ")
def test_letters_outside_the_gb32100_set_are_refused(letter):
    first17 = "9111000060003734" + letter
    assert not accepts(validate_uscc, first17 + "0")

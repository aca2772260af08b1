"""用户注册 in tests: what a visitor types, and the code 获取短信验证码 sends (with the
``texts_per_request`` fixture, which hands each request's texts to the in-memory outbox)."""

import re

from django.urls import reverse

from accounts.sms.backends import locmem
from accounts.validators import id_number_check_character
from tests.captcha import solved_captcha

ID_NUMBER = "11010519491231002X"
MOBILE = "13800138000"
PASSWORD = "Stroke-Registry-2026"


def sms_code(client, mobile=MOBILE, purpose="register"):
    """Press 获取短信验证码 in ``client``; the code that arrived at ``mobile``."""
    response = client.post(
        reverse("accounts:send_sms_code"),
        {"mobile": mobile, "purpose": purpose, **solved_captcha()},
    )
    assert response.json()["ok"], response.json()
    assert locmem.outbox[-1].mobile == mobile
    return re.search(r"验证码为(\d{6})", locmem.outbox[-1].text).group(1)


def another_id_number(n):
    """A valid ID number other than ID_NUMBER, one for each ``n`` < 100."""
    first17 = f"110105198001{n:02d}001"
    return first17 + id_number_check_character(first17)


def without_tokens(html):
    """The page without its CSRF token and its captcha's key (fresh on every page), for
    comparing two answers."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"\b[0-9a-f]{40}\b", "", html)


def register(client, hospital, code, **overrides):
    """Post 用户注册 for 王小明 at ``hospital`` (in 110101) with the SMS ``code``."""
    return client.post(reverse("accounts:register"), registration_data(hospital, code, **overrides))


def registration_data(hospital, code, **overrides):
    """What 王小明 types into 用户注册 at ``hospital`` (in 110101), with the SMS ``code``."""
    return {
        "region": "110101",
        "institution": str(hospital.public_id),
        "real_name": "王小明",
        "id_number": ID_NUMBER,
        "id_number_consent": "on",
        "username": "wangxm",
        "mobile": MOBILE,
        "sms_code": code,
        "password1": PASSWORD,
        "password2": PASSWORD,
        **solved_captcha(),
        **overrides,
    }

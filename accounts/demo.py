"""Demo data for trying the platform: an auditor and two institutions with their people.

Created only on an empty database (no users yet), by ``manage.py seed_demo``, which the
README's run command calls. Passwords are random; they are written to a git-ignored file
under ``var/`` so that every start of the demo server can print them again.
"""

import datetime
import secrets
import string
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import AuditorTOTPDevice
from institutions.models import HospitalCategory, HospitalGrade, Institution, Region
from institutions.validators import uscc_check_character
from surveys.models import ReportingWindow
from surveys.reports import current_data_year, default_window, today, window_for

from .auditors import GROUP_NAME as AUDITOR_GROUP
from .auditors import sync_auditor_group
from .models import User
from .otp import replace_totp_device
from .validators import id_number_check_character

CREDENTIALS_FILE = settings.VAR_DIR / "demo-credentials.txt"

DEMO_INSTITUTIONS = (
    {
        "key": "bj",
        "name": "北京市东城区演示医院",
        "region": "110101",
        "grade": HospitalGrade.GRADE_3A,
        "category": HospitalCategory.GENERAL,
        "credit_code17": "12110101MB0000001",
        "licence_number": "PDY00001X11010117A1001",
        "is_base_hospital": True,
        "is_advanced_stroke_center": True,
        "admin": ("bj_admin", "王建国", "13800000001", "11010119800101001"),
        "user": ("bj_user", "李静", "13800000002", "11010119850202002"),
    },
    {
        "key": "gd",
        "name": "广州市天河区演示医院",
        "region": "440106",
        "grade": HospitalGrade.GRADE_2A,
        "category": HospitalCategory.TCM,
        "credit_code17": "12440106MB0000002",
        "licence_number": "PDY00002X44010617A1001",
        "is_base_hospital": False,
        "is_advanced_stroke_center": False,
        "admin": ("gd_admin", "陈志明", "13900000003", "44010619780303003"),
        "user": ("gd_user", "黄丽", "13900000004", "44010619900404004"),
    },
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    description: str


def _password():
    alphabet = string.ascii_letters + string.digits
    return "Demo-" + "".join(secrets.choice(alphabet) for _ in range(10))


def _id_number(first17):
    return first17 + id_number_check_character(first17)


@transaction.atomic
def create_demo_data():
    """Create the demo accounts on an empty database and return them with their passwords.

    Returns an empty list, and changes nothing, when any user exists already.
    Needs the 行政区划 table loaded (``manage.py load_regions``).
    """
    if User.objects.exists():
        return []
    accounts = []

    # Auditors are staff in the 审核员 group, not superusers; one superuser sets the platform
    # up and manages staff accounts (SECURITY.md). Both sign in with a TOTP code (django-otp):
    # the demo devices exist already.
    sync_auditor_group()
    # The national auditor, and one for each demo hospital's province (审核范围, issue 22).
    for username, real_name, region_code, scope in (
        ("auditor", "赵审核", None, "全国"),
        ("bj_auditor", "钱审核", "110000", "北京市"),
        ("gd_auditor", "孙审核", "440000", "广东省"),
    ):
        auditor_password = _password()
        auditor = User.objects.create_user(
            username=username,
            email=f"{username}@example.org",
            password=auditor_password,
            real_name=real_name,
            is_staff=True,
            review_region=Region.objects.get(code=region_code) if region_code else None,
        )
        auditor.groups.add(Group.objects.get(name=AUDITOR_GROUP))
        secret = b32encode(replace_totp_device(auditor).bin_key).decode()
        accounts.append(
            DemoAccount(
                username,
                auditor_password,
                f"审核员，审核范围：{scope}（可进入审核后台 /admin/；动态口令密钥 {secret}）",
            )
        )
    admin_password = _password()
    superuser = User.objects.create_superuser(
        username="admin",
        email="admin@example.org",
        password=admin_password,
        real_name="平台管理员",
    )
    secret = b32encode(replace_totp_device(superuser).bin_key).decode()
    accounts.append(
        DemoAccount(
            "admin",
            admin_password,
            f"超级管理员（仅用于初始设置和管理审核员账号；动态口令密钥 {secret}）",
        )
    )

    for spec in DEMO_INSTITUTIONS:
        institution = Institution.objects.create(
            name=spec["name"],
            region=Region.objects.get(code=spec["region"]),
            grade=spec["grade"],
            category=spec["category"],
            credit_code=spec["credit_code17"] + uscc_check_character(spec["credit_code17"]),
            licence_number=spec["licence_number"],
            is_base_hospital=spec["is_base_hospital"],
            is_advanced_stroke_center=spec["is_advanced_stroke_center"],
        )
        for kind, role, origin, label in (
            ("admin", User.Role.INSTITUTION_ADMIN, User.Origin.ACTIVATION, "单位管理员"),
            ("user", User.Role.HOSPITAL_USER, User.Origin.REGISTRATION, "普通用户，已认证"),
        ):
            username, real_name, mobile, id17 = spec[kind]
            password = _password()
            User.objects.create_user(
                username=username,
                password=password,
                email=f"{username}@example.org",
                real_name=real_name,
                mobile=mobile,
                id_number=_id_number(id17),
                institution=institution,
                role=role,
                origin=origin,
                verification_status=User.Verification.VERIFIED,
            )
            accounts.append(DemoAccount(username, password, f"{institution.name} {label}"))
    open_demo_reporting_window()
    return accounts


def ensure_demo_auditor_totp():
    """On a demo database seeded before auditors needed TOTP, give the demo auditor a
    device; returns the line to add to the printed credentials ("" if nothing to do)."""
    auditor = User.objects.filter(username="auditor", is_staff=True).first()
    if auditor is None or AuditorTOTPDevice.objects.filter(user=auditor, confirmed=True).exists():
        return ""
    secret = b32encode(replace_totp_device(auditor).bin_key).decode()
    return f"  auditor 动态口令密钥 {secret}\n"


def open_demo_reporting_window():
    """Outside February–March the current data year would be closed and the demo read-only:
    widen that year's window so it covers today and the next 90 days (auditors can change
    it in admin → 填报时间)."""
    year = current_data_year()
    opens_on, closes_on = default_window(year)
    day = today()
    if opens_on <= day <= closes_on:
        return
    ReportingWindow.objects.get_or_create(
        data_year=year,
        defaults={
            "opens_on": min(opens_on, day),
            "closes_on": max(closes_on, day + datetime.timedelta(days=90)),
        },
    )


def window_note():
    """One line for the printed credentials: the demo's reporting window."""
    year = current_data_year()
    opens_on, closes_on = window_for(year)
    return (
        f"{year}年度数据填报时间：{opens_on:%Y-%m-%d} 至 {closes_on:%Y-%m-%d}"
        "（审核后台“填报时间”可修改）\n"
    )


def format_credentials(accounts):
    width = max(len(a.username) for a in accounts)
    lines = ["演示账号（仅供试用，请勿用于生产环境）："]
    lines += [f"  {a.username:<{width}}  {a.password}  {a.description}" for a in accounts]
    lines += [
        "登录方法：输入用户名和密码后，医院账号还须输入短信验证码（SMS_SECOND_FACTOR=true 时；",
        "  开发环境不发短信，验证码见 http://127.0.0.1:8000/accounts/dev/sms/ ）；",
        "  审核员须输入动态口令：把上面的密钥添加到身份验证器App，",
        "  或在服务器上运行 python manage.py totp_code auditor 查看当前口令（仅 DEBUG）。",
    ]
    return "\n".join(lines) + "\n"

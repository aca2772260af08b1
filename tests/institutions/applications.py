"""Test data for 单位注册: form data, files and ready-made applications."""

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfWriter

from institutions.models import HospitalCategory, HospitalGrade, InstitutionApplication
from institutions.validators import uscc_check_character

from ..factories import region

APPLICANT_MOBILE = "13900139000"


def new_credit_code(n):
    first17 = f"12{440106:06d}MC{n:07d}"
    return first17 + uscc_check_character(first17)


def form_data(n=1, **overrides):
    """What an applicant types into the 《单位注册信息登记表》 (region 110101 must exist)."""
    data = {
        "region": "110101",
        "name": f"北京市东城区申请医院{n}",
        "credit_code": new_credit_code(n),
        "licence_number": f"SQH{n:05d}11010117A1001",
        "grade": HospitalGrade.GRADE_2A,
        "category": HospitalCategory.GENERAL,
        "address": "北京市东城区东直门内大街5号",
        "legal_representative": "李建国",
        "applicant_name": "赵申请",
        "applicant_id_number": "11010519491231002X",
        "applicant_email": "apply@example.cn",
    }
    data.update(overrides)
    return data


def png_bytes(size=(60, 40), color="teal"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes(pages=1, password=None):
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_application(n=1, *, status=InstitutionApplication.Status.DRAFT, uploads=True, **fields):
    """An application saved directly (tests of other things than creating one)."""
    data = form_data(n)
    data["region"] = region(data["region"])
    data.update(fields)
    data.setdefault("applicant_mobile", APPLICANT_MOBILE)
    application = InstitutionApplication(
        number=f"SQ20261128-T{uuid.uuid4().hex[:4].upper()}", **data
    )
    if uploads:
        application.stamped_form.save(
            f"{uuid.uuid4().hex}.pdf", ContentFile(pdf_bytes()), save=False
        )
        application.stamped_form_type = InstitutionApplication.FileKind.PDF
        application.stamped_form_pages = 1
        application.certificate.save(
            f"{uuid.uuid4().hex}.png", ContentFile(png_bytes()), save=False
        )
        application.certificate_type = InstitutionApplication.FileKind.PNG
    application.status = status
    application.save()
    return application


def grant(client, application):
    """Give ``client``'s session the applicant's access to ``application``."""
    from institutions.registration_views import remember_application

    session = client.session
    remember_application(session, application)
    session.save()
    return client


def sms_code(client, mobile, purpose, capture):
    """Press 获取短信验证码 for ``purpose`` and read the code from the locmem outbox."""
    import re

    from django.urls import reverse

    from accounts.sms.backends import locmem
    from tests.captcha import solved_captcha

    with capture(execute=True):
        response = client.post(
            reverse("accounts:send_sms_code"),
            {"mobile": mobile, "purpose": purpose, **solved_captcha()},
        )
    assert response.json()["ok"], response.json()
    return re.search(r"验证码为(\d{6})", locmem.outbox[-1].text).group(1)

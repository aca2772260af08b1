"""Factories for test data. Regions are created on demand (not the full fixture)."""

import factory

from accounts.models import User
from institutions.models import HospitalCategory, HospitalGrade, Institution, Region
from institutions.validators import uscc_check_character

PASSWORD = "Correct-Horse-42"


def region(code="110101"):
    """A county-level region with its province (and prefecture when the code has one)."""
    samples = {
        "110000": ("北京市", 1, None, "北京市"),
        "110101": ("东城区", 3, "110000", "北京市东城区"),
        "440000": ("广东省", 1, None, "广东省"),
        "440100": ("广州市", 2, "440000", "广东省广州市"),
        "440106": ("天河区", 3, "440100", "广东省广州市天河区"),
    }
    name, level, parent, full_name = samples[code]
    obj, _ = Region.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "parent": region(parent) if parent else None,
            "full_name": full_name,
            "data_version": "test",
        },
    )
    return obj


def credit_code(n):
    first17 = f"12{110101:06d}MB{n:07d}"
    return first17 + uscc_check_character(first17)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试医院{n}")
    region = factory.LazyFunction(region)
    grade = HospitalGrade.GRADE_3A
    category = HospitalCategory.GENERAL
    credit_code = factory.Sequence(credit_code)
    licence_number = factory.Sequence(lambda n: f"PDY{n:05d}X11010117A1001")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = "张三"
    institution = factory.SubFactory(InstitutionFactory)
    role = User.Role.HOSPITAL_USER
    origin = User.Origin.REGISTRATION
    verification_status = User.Verification.VERIFIED
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class AuditorFactory(UserFactory):
    """An auditor as the platform has them (issue 19 item 8): staff in the 审核员 group, not a
    superuser — so every admin test runs with the group's permissions."""

    username = factory.Sequence(lambda n: f"auditor{n}")
    institution = None
    is_staff = True
    is_superuser = False

    @factory.post_generation
    def auditor_group(obj, create, extracted, **kwargs):  # noqa: N805
        """In the 审核员 group unless ``auditor_group=False`` (staff with hand-picked rights)."""
        if create and extracted is not False:
            from django.contrib.auth.models import Group

            from accounts.auditors import GROUP_NAME, sync_auditor_group

            sync_auditor_group()
            obj.groups.add(Group.objects.get(name=GROUP_NAME))


class SuperuserFactory(AuditorFactory):
    """The account that sets the platform up and manages staff."""

    username = factory.Sequence(lambda n: f"superuser{n}")
    is_superuser = True

"""用户注册: creating a hospital user's account."""

from django.db import transaction
from django.utils import timezone

from .consent import ID_NUMBER_CONSENT_VERSION
from .models import User


@transaction.atomic
def register_user(*, username, password, real_name, id_number, mobile, institution):
    """Create an active hospital user of ``institution`` whose mobile was confirmed by SMS.

    The account starts as 普通用户, 未认证: it can sign in at once ("用户注册成功后可直接登陆")
    but sees no institution data until an auditor approves its 个人身份认证. The form's
    单独同意 to process the ID number is recorded with its version and time.
    """
    return User.objects.create_user(
        username=username,
        password=password,
        real_name=real_name,
        id_number=id_number,
        id_number_consent_version=ID_NUMBER_CONSENT_VERSION,
        id_number_consent_at=timezone.now(),
        mobile=mobile,
        institution=institution,
        role=User.Role.HOSPITAL_USER,
        origin=User.Origin.REGISTRATION,
        verification_status=User.Verification.UNVERIFIED,
    )

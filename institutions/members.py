"""本单位用户: the institution admin stops or restores the accounts of their institution."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User


class MemberError(Exception):
    """A refused act on a member account; ``message`` is Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def members_of(user):
    """The accounts of ``user``'s institution, for its institution admin; none otherwise."""
    if not (user.is_authenticated and user.is_active and user.is_institution_admin):
        return User.objects.none()
    return User.objects.filter(institution_id=user.institution_id, is_staff=False)


def set_member_active(*, member, actor, active):
    """停用 (``active=False``) or 启用 a member account of the actor's institution.

    Guarantees: only an active institution admin acts, only on an account of their own
    institution, never on their own account (an institution must not lock itself out).
    A stopped account can no longer sign in and its open sessions end at once (Django
    refuses inactive users on every request)."""
    if not actor.is_institution_admin or not actor.is_active:
        raise MemberError(_("只有单位管理员可以停用或启用本单位用户。"))
    if member.pk == actor.pk:
        raise MemberError(_("不能停用自己的账号。"))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=member.pk)
        if locked.institution_id != actor.institution_id or locked.is_staff:
            raise MemberError(_("该用户不属于本单位。"))
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    member.is_active = locked.is_active
    return member

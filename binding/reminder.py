"""The reminder dialog of the welcome page (SPEC §3.9): shown to a verified user whose
institution has bound nothing yet and has no 绑定申请 awaiting review, until 下次再说 hides
it for the rest of the session — and only once legacy data has been imported at all (with
an empty pool there is nothing to bind)."""

from .models import BindingApplication, LegacyRecord

SESSION_KEY = "binding_reminder_dismissed"


def should_remind(request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.can_see_institution_data:
        return False
    if request.session.get(SESSION_KEY):
        return False
    if LegacyRecord.objects.bound_to(user.institution_id).exists():
        return False
    if BindingApplication.objects.filter(
        institution_id=user.institution_id, status=BindingApplication.Status.PENDING
    ).exists():
        return False
    return LegacyRecord.objects.exists()


def dismiss_reminder(request) -> None:
    request.session[SESSION_KEY] = True

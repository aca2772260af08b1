"""Events that Django and django-axes announce by signal: sign-in, sign-out, failed sign-in,
lockout, a password set on an existing account (every path: 修改密码, 忘记密码, admin), and
every admin ``LogEntry`` (the admin's own change history)."""

import json

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_save

from .actions import Action, Outcome
from .events import record

ADMIN_FLAGS = {ADDITION: "addition", CHANGE: "change", DELETION: "deletion"}


def connect():
    auth_signals.user_logged_in.connect(logged_in, dispatch_uid="audit.logged_in")
    auth_signals.user_logged_out.connect(logged_out, dispatch_uid="audit.logged_out")
    auth_signals.user_login_failed.connect(login_failed, dispatch_uid="audit.login_failed")
    post_save.connect(user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="audit.user_saved")
    post_save.connect(admin_logged, sender=LogEntry, dispatch_uid="audit.admin_logged")
    if apps.is_installed("axes"):
        from axes.signals import user_locked_out

        user_locked_out.connect(locked_out, dispatch_uid="audit.locked_out")


def logged_in(sender, request, user, **kwargs):
    # How the sign-in happened, when the caller said so (accounts.second_factor,
    # accounts.views.login): e.g. via="remembered_browser", via="registration".
    record(request, Action.LOGIN, user=user, **getattr(user, "login_audit_detail", {}))


def logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(request, Action.LOGOUT, user=user)


def login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in ``credentials`` by asterisks.
    record(request, Action.LOGIN_FAILED, outcome=Outcome.FAILURE, username=_username(credentials))


def locked_out(sender, request, username=None, ip_address=None, **kwargs):
    record(request, Action.LOCKOUT, outcome=Outcome.DENIED, username=username or "")


def user_saved(sender, instance, created, **kwargs):
    # ``set_password`` keeps the new raw password in ``_password`` until the save that
    # stores its hash has finished (AbstractBaseUser.save), so this is that save.
    if created or getattr(instance, "_password", None) is None:
        return
    from .events import current_request

    request = current_request.get()
    actor = getattr(request, "user", None) if request is not None else None
    if actor is None or not actor.is_authenticated:
        by = "reset"  # 忘记密码: nobody is signed in
    elif actor.pk == instance.pk:
        by = "self"
    else:
        by = "admin"
    record(request, Action.PASSWORD_CHANGE, obj=instance, user=instance, by=by)


def admin_logged(sender, instance, created, **kwargs):
    if not created:
        return
    content_type = instance.content_type
    object_type = f"{content_type.app_label}.{content_type.model}" if content_type else ""
    detail = {"flag": ADMIN_FLAGS.get(instance.action_flag, str(instance.action_flag))}
    fields = _changed_fields(instance.change_message)
    if fields:
        detail["fields"] = fields
    record(
        None,
        Action.ADMIN_CHANGE,
        obj=(object_type, instance.object_id or ""),
        user=instance.user,
        **detail,
    )


def _username(credentials):
    return str((credentials or {}).get("username") or "")


def _changed_fields(change_message):
    """The names of the fields an admin change touched (never their values); custom
    messages (a rejection reason) are left out."""
    try:
        # A custom message may be a lazy translation: str() it first.
        entries = json.loads(str(change_message or "[]"))
    except ValueError:
        return []
    if not isinstance(entries, list):
        return []
    fields = []
    for entry in entries:
        for kind in ("added", "changed", "deleted"):
            part = entry.get(kind) if isinstance(entry, dict) else None
            if isinstance(part, dict):
                fields.extend(str(name) for name in part.get("fields", []))
    return fields

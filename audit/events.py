"""Writing audit events."""

import contextvars
import hashlib
import ipaddress

from django.db import models

from .actions import Action, Outcome
from .models import AuditEvent

# The request being served (set by ``AuditMiddleware``): services record the client address
# and user without having the request passed down to them.
current_request = contextvars.ContextVar("audit_current_request", default=None)

# Keys that would put secrets or personal data into ``detail`` (checklist 9.3): a caller
# passing one is a programming error, caught by the tests of that caller.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "password",
        "mobile",
        "id_number",
        "code",
        "sms_code",
        "captcha",
        "activation_code",
        "real_name",
        "name",
        "email",
        "reason",
    }
)


def record(
    request,
    action,
    *,
    obj=None,
    outcome=Outcome.SUCCESS,
    user=None,
    username="",
    institution=None,
    **detail,
):
    """Write one ``AuditEvent`` and return it.

    - ``request``: the request, or ``None`` for the one being served (none in a management
      command or a test calling a service: then no address and no path);
    - ``obj``: the model instance concerned, or an ``(object_type, object_id)`` pair;
    - ``user``: who acted (default: the request's signed-in user); ``username`` the name
      tried when there is no such account (failed logins);
    - ``institution``: whose data it concerns (default: the object's institution, else the
      acting user's);
    - ``detail``: ids, counts, digests, codes — never personal data or secrets.
    """
    action, outcome = Action(action), Outcome(outcome)
    forbidden = FORBIDDEN_DETAIL_KEYS.intersection(detail)
    if forbidden:
        raise ValueError(f"audit detail must not carry {sorted(forbidden)}")
    if request is None:
        request = current_request.get()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not username:
        username = user.get_username()
    object_type, object_id = _object_ref(obj)
    return AuditEvent.objects.create(
        user=user,
        username=str(username or "")[:150],
        institution_id=_institution_id(institution, obj, user),
        ip=_client_ip(request),
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        path=request.path[:200] if request is not None else "",
        detail=detail,
    )


def file_sha256(fileobj):
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(64 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def _object_ref(obj):
    if obj is None:
        return "", ""
    if isinstance(obj, tuple):
        object_type, object_id = obj
        return str(object_type)[:100], str(object_id)[:64]
    opts = obj._meta
    return f"{opts.app_label}.{opts.model_name}", str(obj.pk)[:64]


def _institution_id(institution, obj, user):
    if institution is not None:
        return institution.pk if isinstance(institution, models.Model) else institution
    if isinstance(obj, models.Model):
        if obj._meta.label == "institutions.Institution":
            return obj.pk
        if getattr(obj, "institution_id", None):
            return obj.institution_id
    return getattr(user, "institution_id", None)


def _client_ip(request):
    if request is None:
        return None
    from accounts.throttling import client_ip

    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None

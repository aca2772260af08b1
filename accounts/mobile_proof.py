"""Who may learn whether an ID number, username or mobile is registered, and how often
(issue 19 item 2; security checklist 1.3).

用户注册, 单位注册 and 账号激活 say whether the ID number, the username or the mobile already
belongs to an account only once the visitor has solved the captcha and proved the mobile with
its SMS code; before that every such value gets the same page, taken or not. The mobile's
holder may then be told that it is taken. What the answer says about the ID number and the
username is limited instead: ``account_check_wait`` allows this session
``ACCOUNT_CHECKS_PER_SESSION`` such checks an hour and the address
``RATE_LIMITS["account_check"]``, counted whatever the answer, so that the refusal is the
same too. Each session's proof costs an SMS code, and the codes anyone can ask for are five a
day per mobile (``accounts.sms.codes``): no longer a cheap oracle.

The SMS code is checked last and used up, so when a check after it refuses the form, the
visitor must not need a new code to correct the username or the ID number: the session
remembers, for ``SMS_CODE_TTL_SECONDS``, that it proved this mobile for this purpose
(only the keyed hash of the mobile is kept in the session).
"""

import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.ratelimit import over_limit

from .crypto import blind_index

PROOF = "mobile_proof"
CHECKS = "account_checks"
CHECK_WINDOW_SECONDS = 3600


def remember(session, *, mobile, purpose):
    """This session has just proved ``mobile`` for ``purpose`` with an SMS code."""
    session[PROOF] = {
        "mobile": blind_index(mobile),
        "purpose": str(purpose),
        "expires": timezone.now().timestamp() + settings.SMS_CODE_TTL_SECONDS,
    }


def holds(session, *, mobile, purpose):
    """Has this session proved ``mobile`` for ``purpose`` within the code's lifetime?"""
    state = session.get(PROOF)
    if not isinstance(state, dict) or not mobile:
        return False
    expires = state.get("expires")
    return (
        type(expires) in (int, float)
        and expires > timezone.now().timestamp()
        and state.get("purpose") == str(purpose)
        and state.get("mobile") == blind_index(mobile)
    )


def forget(session):
    session.pop(PROOF, None)


def account_check_wait(request):
    """Count one check, after the proof, of whether an account uses the ID number, username
    or mobile of a form; the seconds to wait when this session or this address has had too
    many, else None (then the caller may check and say). A refused check is not counted
    (``ACCOUNT_CHECKS_PER_SESSION`` 0: no per-session limit)."""
    now = timezone.now().timestamp()
    limit = settings.ACCOUNT_CHECKS_PER_SESSION
    recent = request.session.get(CHECKS)
    recent = [t for t in recent if type(t) in (int, float)] if isinstance(recent, list) else []
    recent = sorted(t for t in recent if t > now - CHECK_WINDOW_SECONDS)
    if limit and len(recent) >= limit:
        return max(1, math.ceil(recent[-limit] + CHECK_WINDOW_SECONDS - now))
    wait = over_limit(request, "account_check")
    if wait:
        return wait
    if limit:
        request.session[CHECKS] = [*recent, now][-limit:]
    return None


def too_frequent(wait):
    """The refusal for a form whose checks were over the limit (the same for every value)."""
    return _("操作过于频繁，请%(minutes)s分钟后再试。") % {"minutes": math.ceil(wait / 60)}

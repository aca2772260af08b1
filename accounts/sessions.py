"""Session lifetime rules (security checklist §A2; MLPS 8.1.4.1 b).

- idle: ``SESSION_COOKIE_AGE`` (30 minutes), renewed by activity: a signed-in request saves
  the session (and so moves its expiry) when the last save is ``SESSION_RENEW_SECONDS`` (60)
  old or more — ``keep_alive`` — rather than on every request (issue 21: an UPDATE per GET
  was the costliest statement of every page at national load); a session therefore ends
  between 29 and 30 minutes after the last request;
- absolute: ``SESSION_ABSOLUTE_SECONDS`` (12 hours) after sign-in, whatever the activity —
  the sign-in time is stored here and checked by ``accounts.middleware``;
- a password change ends every other session: Django stores a hash of the password in the
  session and refuses a session whose hash no longer matches (``update_session_auth_hash``
  keeps the session that made the change);
- a stopped account (``is_active`` False) loses its sessions at once (``end_sessions_of``).
"""

import logging
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.models import Session
from django.utils import timezone

logger = logging.getLogger(__name__)

LOGIN_AT = "auth_login_at"
_DATABASE_ENGINES = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)


def record_login_time(sender, request, user, **kwargs):
    """user_logged_in: the start of the absolute session lifetime."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = time.time()


RENEWED_AT = "renewed_at"


def keep_alive(session, now=None):
    """Renew the idle timeout of a signed-in ``session`` if its last save is at least
    ``SESSION_RENEW_SECONDS`` old: marking it modified makes Django save it at the end of the
    request with a new expiry (now + ``SESSION_COOKIE_AGE``). Within that interval a request
    writes nothing."""
    now = now or time.time()
    renewed_at = session.get(RENEWED_AT)
    if type(renewed_at) not in (int, float) or now - renewed_at >= settings.SESSION_RENEW_SECONDS:
        session[RENEWED_AT] = now


def absolute_lifetime_over(session, now=None):
    """Has this signed-in session outlived ``SESSION_ABSOLUTE_SECONDS`` (or has no sign-in
    time, e.g. one from before this rule)?"""
    login_at = session.get(LOGIN_AT)
    if type(login_at) not in (int, float):
        return True
    return (now or time.time()) - login_at > settings.SESSION_ABSOLUTE_SECONDS


def end_sessions_of(user, *, keep=None):
    """Delete every stored session signed in as ``user``, but the one whose key is ``keep``
    (退出所有设备 keeps the session that asks); returns how many.

    Sessions live in the database (Django's default engine): live sessions are few (30
    minutes idle), so they are read and matched by their signed-in user id. With another
    engine nothing is deleted here and ``accounts.middleware`` ends such a session at its
    next request (Django no longer resolves its user, and the session is flushed).
    """
    if settings.SESSION_ENGINE not in _DATABASE_ENGINES:
        return 0
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for row in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if row.session_key != keep and row.get_decoded().get(SESSION_KEY) == str(user.pk):
            store(session_key=row.session_key).delete()
            ended += 1
    if ended:
        logger.info("Ended %s session(s) of user %s", ended, user.pk)
    return ended


def end_sessions_of_stopped_user(sender, instance, created, **kwargs):
    """post_save of User: a stopped account (本单位用户 停用, admin) is signed out everywhere."""
    if not created and not instance.is_active:
        end_sessions_of(instance)


# A session key (a name, not a secret: bandit B105).
WRONG_CURRENT_PASSWORD = "wrong_current_password"  # nosec B105


def wrong_current_password(request):
    """Count a wrong 当前密码 on 修改密码 or 更换手机号; at ``AXES_FAILURE_LIMIT`` the session
    is signed out (True), so a borrowed session cannot be used to guess the password."""
    misses = request.session.get(WRONG_CURRENT_PASSWORD, 0) + 1
    if misses >= settings.AXES_FAILURE_LIMIT:
        logout(request)
        return True
    request.session[WRONG_CURRENT_PASSWORD] = misses
    return False

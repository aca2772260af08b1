"""Rate limits on the costly endpoints (issue 9 item 8, checklist 2.2/11.x): SMS, captcha,
Excel import and export. Each scope allows so many requests per user and per client
address in a window; one more is answered 429 with a Chinese message, before the view runs.

The counters live in Django's cache (``cache.add`` then ``cache.incr``): atomic on Redis,
which production uses (``REDIS_URL``). django-ratelimit was considered; it refuses every
cache but memcached and django-redis, and the embedded default here is the database cache.
"""

import math
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.throttling import client_ip


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """``"10/h"`` → 10 per 3600 s (units s, m, h, d)."""
        count, unit = text.split("/")
        return cls(int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit])


def _hit(key: str, limit: Limit) -> int | None:
    """Count one request under ``key``; the seconds until the window ends when over."""
    window = int(time.time() // limit.seconds)
    cache_key = f"rl:{key}:{window}"
    cache.add(cache_key, 0, timeout=limit.seconds + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=limit.seconds + 5)
        count = 1
    if count > limit.count:
        return max(1, math.ceil((window + 1) * limit.seconds - time.time()))
    return None


def over_limit(request, scope: str) -> int | None:
    """Count this request in ``scope`` for its user and its address; the seconds to wait
    if either is over its limit, else None."""
    per_user, per_ip = settings.RATE_LIMITS[scope]
    waits = []
    user = getattr(request, "user", None)
    if per_user and user is not None and user.is_authenticated:
        waits.append(_hit(f"{scope}:u{user.pk}", Limit.parse(per_user)))
    if per_ip:
        waits.append(_hit(f"{scope}:ip{client_ip(request)}", Limit.parse(per_ip)))
    waits = [wait for wait in waits if wait]
    return max(waits) if waits else None


def too_many(request, wait: int, *, json: bool = False):
    """429 with the Chinese message, as JSON for the pages' fetch() calls, else a page."""
    message = _("操作过于频繁，请%(minutes)d分钟后再试。") % {"minutes": math.ceil(wait / 60)}
    if json or request.headers.get("X-Requested-With") == "XMLHttpRequest":
        response = JsonResponse({"ok": False, "message": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope: str, *, json: bool = False):
    """View decorator: 429 once the user or the address is over ``RATE_LIMITS[scope]``."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            wait = over_limit(request, scope)
            if wait:
                return too_many(request, wait, json=json)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate

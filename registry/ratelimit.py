"""Rate limits on the costly endpoints (issue 9 item 8, checklist 2.2/11.x): SMS, captcha,
Excel import and export. Each scope allows so many requests per user and per client
address in a window; one more is answered 429 with a Chinese message, before the view runs.

Issue 19 item 10: the window slides, so a limit holds across any edge. A fixed window let
twice the limit through around its edge (N just before it, N just after). Each limit's
window of T seconds is cut into ``SLICES`` slices; a request is counted in its slice, then
the counts of its slice and the ``SLICES`` slices before it are added up. Those cover every
span of T seconds that ends now, so no such span ever holds more than N admitted requests;
the price is that a request keeps counting for up to one slice (T/10) longer than T. A
refused request is taken back out of its slice, so retrying while refused does not push the
wait further, and the wait it is told (``Retry-After``, the minutes in the message) is when
enough old slices will have dropped out.

The counters live in Django's cache (``cache.add``, ``cache.incr``, ``cache.decr`` and one
``get_many`` a limit): atomic on Redis, which production uses (``REDIS_URL``). On the
database cache of development, ``incr`` is a read and a write, so two requests at the same
instant may be counted once. django-ratelimit was considered; it refuses every cache but
memcached and django-redis, and the embedded default here is the database cache.
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


# Slices of a window: a request counts for at most 1/SLICES of the window longer than it.
SLICES = 10


def _slice_key(key: str, limit: Limit, index: int) -> str:
    return f"rl:{key}:{limit.seconds}:{index}"


def _hit(key: str, limit: Limit, now: float) -> tuple[str, int | None]:
    """Count one request under ``key`` in the slice of ``now``. Returns that slice's cache
    key and, when the request is over the limit, the seconds until one more would pass."""
    width = limit.seconds / SLICES
    current = int(now // width)
    cache_key = _slice_key(key, limit, current)
    timeout = math.ceil(limit.seconds + 2 * width) + 5
    cache.add(cache_key, 0, timeout=timeout)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=timeout)
        count = 1
    older = [_slice_key(key, limit, index) for index in range(current - SLICES, current)]
    found = cache.get_many(older)
    counts = [found.get(older_key, 0) for older_key in older] + [count]
    if sum(counts) <= limit.count:
        return cache_key, None
    return cache_key, _wait(counts, limit, current - SLICES, width, now)


def _wait(counts: list[int], limit: Limit, first: int, width: float, now: float) -> int:
    """Seconds until the slices still counted hold fewer than ``limit.count`` requests
    without this one (which is taken back), so that the next request passes."""
    counts = [*counts[:-1], counts[-1] - 1]
    excess = sum(counts) - (limit.count - 1)
    dropped = 0
    for offset, count in enumerate(counts):
        dropped += count
        if dropped >= excess:
            # Slice ``first + offset`` stops counting when slice first+offset+SLICES+1 begins.
            return max(1, math.ceil((first + offset + SLICES + 1) * width - now))
    return limit.seconds


def _take_back(cache_key: str) -> None:
    try:
        cache.decr(cache_key)
    except ValueError:  # the slice expired meanwhile
        pass


def over_limit(request, scope: str) -> int | None:
    """Count this request in ``scope`` for its user and its address; the seconds to wait
    if either is over its limit (the request is then not counted at all), else None."""
    per_user, per_ip = settings.RATE_LIMITS[scope]
    now = time.time()
    hits = []
    user = getattr(request, "user", None)
    if per_user and user is not None and user.is_authenticated:
        hits.append(_hit(f"{scope}:u{user.pk}", Limit.parse(per_user), now))
    if per_ip:
        hits.append(_hit(f"{scope}:ip{client_ip(request)}", Limit.parse(per_ip), now))
    waits = [wait for _key, wait in hits if wait]
    if not waits:
        return None
    for cache_key, _wait_seconds in hits:
        _take_back(cache_key)
    return max(waits)


def too_many(request, wait: int, *, json: bool = False):
    """429 with the Chinese message, as JSON for the pages' fetch() calls, else a page."""
    message = _("操作过于频繁，请%(minutes)d分钟后再试。") % {"minutes": math.ceil(wait / 60)}
    if json or request.headers.get("X-Requested-With") == "XMLHttpRequest":
        response = JsonResponse({"ok": False, "message": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limited(scope: str, *, json: bool = False, methods: tuple[str, ...] | None = None):
    """View decorator: 429 once the user or the address is over ``RATE_LIMITS[scope]``.
    ``methods`` (e.g. ``("POST",)``): only requests of those methods count and can be
    refused; the others (the page's GET) pass uncounted. Default: every request."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if methods is not None and request.method not in methods:
                return view(request, *args, **kwargs)
            wait = over_limit(request, scope)
            if wait:
                return too_many(request, wait, json=json)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate

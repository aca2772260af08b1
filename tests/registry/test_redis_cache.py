"""registry.redis_cache: Django's Redis cache with one client per pool, against a real Redis
(a private redis-server on a free port), and the sessions kept in it (``cached_db``)."""

import os
import shutil
import socket
import subprocess
import time

import pytest

from registry.redis_cache import RedisCache


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    if shutil.which("redis-server") is None:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail("REQUIRE_REDIS=1 but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def cache(redis_url):
    backend = RedisCache(redis_url, {})
    backend.clear()
    return backend


def test_the_cache_works_against_redis(cache):
    assert cache.get("missing") is None
    cache.set("key", {"值": [1, 2]}, 30)
    assert cache.get("key") == {"值": [1, 2]}
    assert cache.add("key", "other") is False
    cache.set("count", 1)
    assert cache.incr("count", 2) == 3
    cache.set_many({"a": 1, "b": 2})
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    cache.delete("key")
    assert cache.get("key") is None


def test_one_client_serves_every_call(cache):
    """Django's client builds a new redis.Redis for each call; this one keeps one a pool."""
    first = cache._cache.get_client(write=True)
    cache.set("key", "value")
    cache.get("key")
    assert cache._cache.get_client() is first
    assert cache._cache.get_client(write=True) is first


def test_sessions_are_read_from_redis_and_kept_in_the_database(redis_url, settings, db):
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import caches

    settings.CACHES = {"default": {"BACKEND": "registry.redis_cache.RedisCache",
                                   "LOCATION": redis_url}}  # fmt: skip
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    caches["default"].clear()
    session = SessionStore()
    session["who"] = "bj_user"
    session.save()
    key = session.session_key
    # In the database (a Redis restart signs nobody out) and in Redis (read from there).
    assert Session.objects.filter(session_key=key).exists()
    Session.objects.filter(session_key=key).delete()
    assert SessionStore(session_key=key)["who"] == "bj_user"
    # Signing out deletes it from both.
    SessionStore(session_key=key).delete()
    assert SessionStore(session_key=key).get("who") is None

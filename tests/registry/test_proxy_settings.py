"""Issue 19 item 4: one client address for lockouts, limits and the audit log, taken from
X-Forwarded-For only as far as the declared proxies go; production must declare them.
(tests/registry/test_proxy_chain.py runs the same through a real nginx.)"""

import pytest
from django.test import RequestFactory

from accounts.throttling import client_ip

from .test_settings import PRODUCTION_ENV, _manage


def request(forwarded_for=None, remote_addr="10.0.0.1"):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),  # no proxy declared: the header is the client's lie
        (1, "203.0.113.5", "203.0.113.5"),  # what nginx appended
        (1, "198.51.100.7, 203.0.113.5", "203.0.113.5"),  # a forged entry to its left
        (1, "198.51.100.7,203.0.113.5 ", "203.0.113.5"),
        (2, "198.51.100.7, 203.0.113.5, 10.1.1.1", "203.0.113.5"),  # balancer, then nginx
        (2, "10.1.1.1", "10.0.0.1"),  # fewer entries than proxies: the proxy's own address
        (1, "", "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1"),  # never stored as a client's address
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_believes_only_the_declared_proxies(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(request(forwarded_for)) == expected


def test_axes_and_the_rate_limits_use_the_same_client_address(settings):
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXY_COUNT = 1
    proxied = request("198.51.100.7, 203.0.113.5")

    assert settings.AXES_CLIENT_IP_CALLABLE == "accounts.throttling.client_ip"
    assert get_client_ip_address(proxied) == "203.0.113.5"


def test_rate_limits_count_the_client_not_the_proxy(settings, db):
    from registry.ratelimit import over_limit

    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms": (None, "2/h")}
    first = [over_limit(request(f"203.0.113.{n}"), "sms") for n in (1, 1)]
    another_client = over_limit(request("203.0.113.2"), "sms")
    first_again = over_limit(request("198.51.100.9, 203.0.113.1"), "sms")

    assert first == [None, None] and another_client is None
    assert first_again is not None


def test_production_refuses_to_start_without_trusted_proxy_count():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "TRUSTED_PROXY_COUNT"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr


def test_production_accepts_zero_proxies_when_stated():
    result = _manage("check", env={**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "0"})

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_proxy_count_that_is_not_a_number():
    result = _manage("check", env={**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "yes"})

    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr

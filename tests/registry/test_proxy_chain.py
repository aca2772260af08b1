"""Issue 19 item 4, through the real header chain: a client → nginx, configured with the
proxy lines the README documents (read from README.md, so the two cannot drift) → gunicorn
serving the platform in production mode with ``TRUSTED_PROXY_COUNT=1`` → django-axes, the
audit log and every limit see the client's own address. An X-Forwarded-For the client
writes itself is not believed, and one client's failed logins do not lock out another.

The clients connect from 127.0.0.2 and 127.0.0.3 (all of 127/8 is loopback on Linux), nginx
reaches gunicorn from 127.0.0.1, so the proxy's address and the clients' differ as they do in
production. nginx listens on a port other than 443, as a test or intranet site may: the
Host header the README's lines pass must keep that port, or the CSRF origin check refuses
every form. Needs Debian's nginx (``apt-get install nginx-light``); skipped without it,
except under ``REQUIRE_NGINX=1`` (CI), where a missing nginx fails.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.db import connection

import audit
from audit.models import AuditEvent
from tests.captcha import solved_captcha

BASE_DIR = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PROXY_CONF_HEADER = "# /etc/nginx/registry_proxy.conf"


def documented_proxy_lines():
    """The lines of README.md's ``registry_proxy.conf`` block (without comments)."""
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\n" + re.escape(PROXY_CONF_HEADER) + r"\n(.*?)```", readme, re.S)
    assert block, f"README.md has no fenced block starting with {PROXY_CONF_HEADER!r}"
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def test_the_documented_proxy_lines_pass_the_port_and_the_client_address():
    lines = documented_proxy_lines()

    assert "proxy_set_header Host $http_host;" in lines
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in lines
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in lines


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, *, log, path="/healthz", timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port} within {timeout} s:\n{log.read_text()}")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(**more):
    """The environment of a production site behind one proxy (the database comes later)."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "proxy-chain-test-key-5yL2qW8eR4tY7uI0oP3aS6dF9gH1jK4lZ7xC0vB3nM6",
        "ALLOWED_HOSTS": "127.0.0.1",
        "FIELD_ENCRYPTION_KEY": django_settings.FIELD_ENCRYPTION_KEY,
        "FIELD_HASH_KEY": django_settings.FIELD_HASH_KEY,
        "SMS_BACKEND": "accounts.sms.backends.locmem.SmsBackend",
        "TRUSTED_PROXY_COUNT": "1",
        # nginx speaks plain HTTP here (no certificate in a test); the chain is the same.
        "SECURE_SSL_REDIRECT": "false",
        "DB_CONN_MAX_AGE": "0",
        **more,
    }
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture(scope="module")
def nginx():
    if not Path(NGINX).exists():
        if os.environ.get("REQUIRE_NGINX") == "1":
            pytest.fail("REQUIRE_NGINX=1 but nginx is not installed (apt-get install nginx-light)")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return NGINX


@pytest.fixture(scope="module")
def static_root(nginx, tmp_path_factory):
    """Production serves hashed static files from a manifest: collected once per module."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR, env=production_env(STATIC_ROOT=str(root)), check=True, timeout=300,
    )  # fmt: skip
    return root


@pytest.fixture
def proxied_site(nginx, static_root, transactional_db, tmp_path):
    """gunicorn (production settings) behind nginx with the README's proxy lines; yields
    nginx's port."""
    app_port, proxy_port = free_port(), free_port()
    env = production_env(DATABASE_URL=database_url(), STATIC_ROOT=str(static_root))
    app = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "registry.wsgi", "--workers", "1",
         "--bind", f"127.0.0.1:{app_port}", "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "gunicorn.log").open("wb"),
    )  # fmt: skip
    (tmp_path / "registry_proxy.conf").write_text("\n".join(documented_proxy_lines()) + "\n")
    (tmp_path / "nginx.conf").write_text(
        f"""
master_process off;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:{proxy_port};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            include {tmp_path}/registry_proxy.conf;
        }}
    }}
}}
"""
    )
    proxy = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
         "-c", str(tmp_path / "nginx.conf")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for(app_port, log=tmp_path / "gunicorn.log")
        wait_for(proxy_port, log=tmp_path / "error.log")
        yield proxy_port
        log = (tmp_path / "gunicorn.log").read_text()
        assert "Traceback" not in log and "Internal Server Error" not in log, log
    finally:
        stop(proxy)
        stop(app)


class Browser:
    """A client at its own loopback address that keeps cookies and sends Origin like a
    browser; ``forwarded_for`` is a header it writes itself (to lie about its address)."""

    def __init__(self, port, address, forwarded_for=None):
        self.port, self.address, self.forwarded_for = port, address, forwarded_for
        self.cookies = {}

    def request(self, method, path, fields=None):
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text

    def fail_login(self, username):
        status, page = self.request("GET", "/accounts/login/")
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(
            "POST",
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": "wrong-Password-1",
                **solved_captcha(),
            },
        )


def test_axes_and_the_audit_log_see_the_client_behind_the_proxy(proxied_site):
    liar = Browser(proxied_site, "127.0.0.2", forwarded_for="198.51.100.7")

    statuses = [liar.fail_login(f"nobody{n}")[0] for n in range(4)]

    assert statuses == [200] * 4  # the form again with its error: CSRF and Host passed
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.2"}
    failures = AuditEvent.objects.filter(action=audit.Action.LOGIN_FAILED)
    assert set(failures.values_list("ip", flat=True)) == {"127.0.0.2"}


def test_one_clients_failed_logins_lock_that_client_only(proxied_site):
    attacker = Browser(proxied_site, "127.0.0.2")
    clerk = Browser(proxied_site, "127.0.0.3")
    for n in range(4):
        attacker.fail_login(f"guess{n}")

    locked_status, locked_page = attacker.fail_login("guess4")  # the fifth failure locks
    clerk_status, _page = clerk.fail_login("clerk")

    assert locked_status == 429 and "登录已暂时锁定" in locked_page
    assert clerk_status == 200
    assert attacker.fail_login("guess5")[0] == 429

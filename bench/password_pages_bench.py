"""修改密码 and 设置新密码 (忘记密码, page 3): seconds per page and password hashes checked.

Issue 18 item 9's target: each page under 1 s on this machine, at the same security. Both
pages are driven through the real views (test client, the configured database and the
settings' PASSWORD_HASHERS) for an account with a full password history
(PASSWORD_HISTORY_COUNT passwords). The number of hash computations is counted by wrapping
``django.contrib.auth.hashers.check_password`` and ``make_password``; it does not depend on
the machine, the seconds do (best of ``ROUNDS``).

    DATABASE_URL=postgres://… python bench/password_pages_bench.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")

ROUNDS = 3


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import hashers
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from accounts import crypto
    from accounts.models import User
    from accounts.views.recovery import RESET_STATE
    from institutions.models import Institution

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    counts = {"hashes": 0}
    real_check, real_make = hashers.check_password, hashers.make_password

    def counted_check(*args, **kwargs):
        counts["hashes"] += 1
        return real_check(*args, **kwargs)

    def counted_make(*args, **kwargs):
        counts["hashes"] += 1
        return real_make(*args, **kwargs)

    # The modules that call them imported the names: patch where they are looked up.
    import django.contrib.auth.base_user

    import accounts.models
    import accounts.passwords

    for module in (accounts.models, accounts.passwords, django.contrib.auth.base_user):
        if hasattr(module, "check_password"):
            module.check_password = counted_check
        if hasattr(module, "make_password"):
            module.make_password = counted_make

    hasher = hashers.get_hasher()
    print(f"hasher: {hasher.algorithm}; history: {settings.PASSWORD_HISTORY_COUNT} passwords")
    institution = Institution.objects.order_by("pk").first()
    if institution is None:
        sys.exit("no institution: run scripts/serve (demo data) or a test database first")
    username = "bench-password-pages"
    User.objects.filter(username=username).delete()
    user = User.objects.create_user(
        username=username,
        password="Bench-Pass-0",
        institution=institution,
        mobile="13912345678",
        real_name="测试",
        role=User.Role.INSTITUTION_ADMIN,
    )
    password = "Bench-Pass-0"
    try:
        for n in range(1, settings.PASSWORD_HISTORY_COUNT + 1):
            password = f"Bench-Pass-{n}"
            user.set_password(password)
            user.save()
        rows = []
        for page in ("修改密码", "设置新密码"):
            best, hashes = None, 0
            for n in range(ROUNDS):
                new = f"Fresh-{page == '修改密码'}-{n}-Zz9"
                client = Client()
                if page == "修改密码":
                    client.force_login(user)
                    url = reverse("accounts:password_change")
                    data = {"old_password": password, "new_password1": new, "new_password2": new}
                else:
                    session = client.session
                    session[RESET_STATE] = {
                        "user_id": user.pk,
                        "mobile": crypto.encrypt(user.mobile),
                        "verified": True,
                        "expires": timezone.now().timestamp() + 300,
                        "misses": 0,
                    }
                    session.save()
                    url = reverse("accounts:password_reset_set")
                    data = {"new_password1": new, "new_password2": new}
                client.get(url)
                counts["hashes"] = 0
                start = time.perf_counter()
                response = client.post(url, data)
                seconds = time.perf_counter() - start
                if response.status_code != 302:
                    sys.exit(f"{page}: the new password was refused ({response.status_code})")
                password = new
                user.refresh_from_db()
                best = seconds if best is None else min(best, seconds)
                hashes = counts["hashes"]
            rows.append((page, best, hashes))
        for page, seconds, hashes in rows:
            print(f"{page}: {seconds:.2f} s (best of {ROUNDS}), {hashes} password hashes")
    finally:
        User.objects.filter(username=username).delete()


if __name__ == "__main__":
    main()

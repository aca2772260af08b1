"""Content-Security-Policy: on every response (error pages too), no inline script or style
allowed, and no page of the platform needs one (Chromium reports no violation)."""

import pytest
from django.conf import settings as django_settings

from tests.accounts.test_verification_browser import signed_in_page
from tests.permission_matrix import make_report_scan


def policy(response):
    return {
        part.split()[0]: part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/no-such-page/"])
def test_every_response_carries_the_policy(client, db, path):
    directives = policy(client.get(path))

    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_no_template_has_inline_script_style_or_handlers():
    offenders = []
    for folder in django_settings.TEMPLATES[0]["DIRS"]:
        for path in folder.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for needle in ("<script>", "<style", " style=", " onclick=", " onchange=", " onload="):
                if needle in text:
                    offenders.append(f"{path.relative_to(folder)}: {needle.strip()}")
    assert offenders == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_raise_no_csp_violation_in_chromium(live_server, browser, alice, auditor):
    report = make_report_scan(alice.institution)["report_id"]
    violations = []

    def watch(page):
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and violations.append(f"{page.url}: {message.text}")
            ),
        )
        return page

    anonymous = watch(browser.new_context(locale="zh-CN").new_page())
    anonymous.goto(live_server.url + "/accounts/login/")
    anonymous.wait_for_load_state("networkidle")

    hospital = watch(signed_in_page(browser, live_server, alice))
    for path in (
        "/",
        "/registry/",
        "/registry/basic-info/",
        f"/registry/reports/{report}/",
        f"/registry/reports/{report}/survey/",
        f"/registry/reports/{report}/attachment4/",
        f"/registry/reports/{report}/scan/",
        f"/registry/reports/{report}/submit/",
        "/binding/",
    ):
        hospital.goto(live_server.url + path)
        hospital.wait_for_load_state("networkidle")

    desk = watch(signed_in_page(browser, live_server, auditor))
    for path in ("/admin/", "/admin/surveys/report/", f"/admin/surveys/report/{report}/change/"):
        desk.goto(live_server.url + path)
        desk.wait_for_load_state("networkidle")

    assert violations == []

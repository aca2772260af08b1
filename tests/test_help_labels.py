"""The help pages describe the real pages: every button, link, tab and field they name is
marked ``<span class="ui-label" data-page="KEY">名称</span>`` (KEY is the page: a URL name,
``?query`` and ``#state``), and each is found on that page, rendered in the state the help
describes — anonymous, halfway through a sign-in, hospital user, 单位管理员, auditor.

A label is found when some control of the page (link, button, tab, form label, table
header…) reads exactly that text. A help page that names a page this file cannot open, or
writes a 【按钮】 without the mark, fails too, so nothing the help names goes unchecked.
"""

import html as html_lib
import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditorTOTPDevice
from binding.services import bind_legacy_record
from casesets.models import ImportBatch
from surveys.reports import current_data_year
from tests.binding.helpers import make_record
from tests.captcha import solved_captcha
from tests.excel_templates.files import filled_case_template
from tests.factories import PASSWORD, UserFactory
from tests.permission_matrix import make_report, make_report_scan

HELP_URLS = ("/help/menus/", "/help/filling/", "/help/manual/")
MARK = re.compile(r'<span class="ui-label" data-page="([^"]+)">([^<]+)</span>')
MOBILE = "13800138000"
# Elements whose whole text a user reads as one name.
CONTROLS = {"a", "button", "label", "th", "summary", "legend", "dt", "option"}


class _Controls(HTMLParser):
    """The texts of a page's controls, whitespace removed and a required field's * dropped."""

    def __init__(self):
        super().__init__()
        self.open = []  # [tag, collected text] of the controls being read
        self.texts = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.texts.add(_plain(attrs.get("value") or ""))
        if tag in CONTROLS:
            self.open.append([tag, []])

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                self.texts.add(_plain("".join(self.open[index][1])))
                del self.open[index:]
                break

    def handle_data(self, data):
        for entry in self.open:
            entry[1].append(data)


def _plain(text):
    return re.sub(r"\s+", "", text).rstrip("*").rstrip("：:")


def controls_of(page_html):
    parser = _Controls()
    parser.feed(page_html)
    return parser.texts


def documented(client):
    """``{page key: {label, ...}}`` over the three help pages."""
    labels = defaultdict(set)
    for url in HELP_URLS:
        for page, label in MARK.findall(client.get(url).text):
            labels[html_lib.unescape(page)].add(html_lib.unescape(label))
    return labels


# The pages, each opened in the state the help describes ------------------------------------


@pytest.fixture
def sms(texts_per_request):
    """Texts go to the in-memory outbox, sent as each test request commits."""
    return texts_per_request


def _code(outbox):
    return re.search(r"验证码为(\d{6})", outbox[-1].text).group(1)


def _with_mobile(user):
    user.mobile = MOBILE
    user.save()
    return user


def _password_login(client, username):
    data = {"username": username, "password": PASSWORD, **solved_captcha()}
    return client.post(reverse("accounts:login"), data, REMOTE_ADDR="10.0.0.1")


def _anonymous(url):
    def open_page(client, request):
        return client.get(url)

    return open_page


def _signed_in(persona, url_name, *, kwargs=None, query=""):
    def open_page(client, request):
        user = request.getfixturevalue(persona)
        client.force_login(user)
        return client.get(reverse(url_name, kwargs=kwargs) + query)

    return open_page


def _login_verify_sms(client, request):
    request.getfixturevalue("sms")
    request.getfixturevalue("settings").SMS_SECOND_FACTOR = True
    _password_login(client, _with_mobile(request.getfixturevalue("alice")).username)
    return client.get(reverse("accounts:login_verify"))


def _login_verify_totp(client, request):
    auditor = request.getfixturevalue("auditor")
    AuditorTOTPDevice.objects.create(user=auditor, name="app", confirmed=True)
    _password_login(client, auditor.username)
    return client.get(reverse("accounts:login_verify"))


def _login_verify_password(client, request):
    outbox = request.getfixturevalue("sms")
    request.getfixturevalue("settings").SMS_SECOND_FACTOR = True
    _with_mobile(request.getfixturevalue("alice"))
    data = {"mobile": MOBILE, "purpose": "login", **solved_captcha()}
    client.post(reverse("accounts:send_sms_code"), data, REMOTE_ADDR="10.1.1.1")
    data = {"tab": "mobile", "mobile": MOBILE, "sms_code": _code(outbox), **solved_captcha()}
    client.post(reverse("accounts:login") + "?tab=mobile", data)
    return client.get(reverse("accounts:login_verify"))


def _otp_enrolment(client, request):
    # Marked real_otp: force_login leaves an auditor without an authenticator unverified.
    client.force_login(request.getfixturevalue("auditor"))
    return client.get(reverse("accounts:otp"))


def _reset_by_username(client, request):
    outbox = request.getfixturevalue("sms")
    alice = _with_mobile(request.getfixturevalue("alice"))
    data = {"username": alice.username, **solved_captcha()}
    client.post(reverse("accounts:password_reset"), data, REMOTE_ADDR="10.1.1.1")
    return outbox


def _reset_verify(client, request):
    _reset_by_username(client, request)
    return client.get(reverse("accounts:password_reset_verify"))


def _reset_set(client, request):
    outbox = _reset_by_username(client, request)
    client.post(reverse("accounts:password_reset_verify"), {"sms_code": _code(outbox)})
    return client.get(reverse("accounts:password_reset_set"))


def _welcome_with_reminder(client, request):
    make_record("北京协和医院")
    client.force_login(request.getfixturevalue("alice"))
    return client.get(reverse("welcome"))


def _colleague(request, **fields):
    admin = request.getfixturevalue("alice_admin")
    return admin, UserFactory(username="colleague", institution=admin.institution, **fields)


def _users(stopped=False):
    def open_page(client, request):
        admin, _colleague_user = _colleague(request, is_active=not stopped)
        client.force_login(admin)
        return client.get(reverse("institutions:users"))

    return open_page


def _deactivate_confirmation(client, request):
    admin, colleague = _colleague(request)
    client.force_login(admin)
    return client.get(reverse("institutions:user_set_active", args=[colleague.username]))


def _report_page(url_name, query="", make=make_report):
    def open_page(client, request):
        alice = request.getfixturevalue("alice")
        pk = make(alice.institution)["report_id"]
        client.force_login(alice)
        return client.get(reverse(url_name, args=[pk]) + query)

    return open_page


def _registry_home(client, request):
    alice = request.getfixturevalue("alice")
    make_report(alice.institution)
    client.force_login(alice)
    return client.get(reverse("surveys:home"))


def _import_preview(rows):
    def open_page(client, request):
        alice = request.getfixturevalue("alice")
        make_report(alice.institution)
        client.force_login(alice)
        content = filled_case_template(3, current_data_year(), rows)
        upload = SimpleUploadedFile("附件3.xlsx", content)
        client.post(reverse("excel:upload_thrombolysis"), {"file": upload})
        batch = ImportBatch.objects.get()
        return client.get(reverse("excel:preview", args=[batch.report.public_id, batch.public_id]))

    return open_page


def _search_results(client, request):
    make_record("北京协和医院")
    client.force_login(request.getfixturevalue("alice"))
    return client.get(reverse("binding:search"), {"q": "协和"})


def _bound_list(client, request):
    alice = request.getfixturevalue("alice")
    bind_legacy_record(make_record("北京协和医院"), alice.institution, alice)
    client.force_login(alice)
    return client.get(reverse("binding:home"))


PAGES = {
    "accounts:login": _anonymous(reverse("accounts:login")),
    "accounts:login?tab=mobile": _anonymous(reverse("accounts:login") + "?tab=mobile"),
    "accounts:login_verify#sms": _login_verify_sms,
    "accounts:login_verify#totp": _login_verify_totp,
    "accounts:login_verify#password": _login_verify_password,
    "accounts:otp": _otp_enrolment,
    "accounts:register": _anonymous(reverse("accounts:register")),
    "accounts:activate": _anonymous(reverse("accounts:activate")),
    "accounts:lookup": _anonymous(reverse("accounts:lookup")),
    "accounts:password_reset": _anonymous(reverse("accounts:password_reset")),
    "accounts:password_reset?tab=mobile": _anonymous(
        reverse("accounts:password_reset") + "?tab=mobile"
    ),
    "accounts:password_reset_verify": _reset_verify,
    "accounts:password_reset_set": _reset_set,
    "institutions:register": _anonymous(reverse("institutions:register")),
    "welcome": _signed_in("alice", "welcome"),
    "welcome#newcomer": _signed_in("newcomer", "welcome"),
    "welcome#admin": _signed_in("alice_admin", "welcome"),
    "welcome#auditor": _signed_in("auditor", "welcome"),
    "welcome#reminder": _welcome_with_reminder,
    "accounts:verification": _signed_in("newcomer", "accounts:verification"),
    "accounts:profile": _signed_in("alice", "accounts:profile"),
    "accounts:password_change": _signed_in("alice", "accounts:password_change"),
    "accounts:mobile_change": _signed_in("alice", "accounts:mobile_change"),
    "institutions:users": _users(),
    "institutions:users#stopped": _users(stopped=True),
    "institutions:user_set_active": _deactivate_confirmation,
    "surveys:home": _registry_home,
    "surveys:home#first": _signed_in("alice", "surveys:home"),
    "surveys:report_detail": _report_page("surveys:report_detail"),
    "surveys:report_detail?tab=thrombolysis": _report_page(
        "surveys:report_detail", "?tab=thrombolysis"
    ),
    "surveys:report_detail?tab=intervention": _report_page(
        "surveys:report_detail", "?tab=intervention"
    ),
    # Ready to submit: 基本信息, a valid 总表 and the 附件4 scan.
    "surveys:report_submit": _report_page("surveys:report_submit", make=make_report_scan),
    "surveys:attachment4_scan": _report_page("surveys:attachment4_scan"),
    "excel:upload_survey": _signed_in("alice", "excel:upload_survey"),
    "excel:preview#ok": _import_preview([{"admission_no": "V1"}]),
    "excel:preview#errors": _import_preview([{"admission_no": "V1", "mrs_discharge": 8}]),
    "binding:search": _signed_in("alice", "binding:search"),
    "binding:search?q=协和": _search_results,
    "binding:home#bound": _bound_list,
}
REAL_OTP = {"accounts:otp"}


# What issue 18 found the help getting wrong --------------------------------------------------


@pytest.mark.django_db
def test_the_manual_describes_the_second_step_of_signing_in(client):
    labels = documented(client)

    assert {"短信验证码", "登录", "重新发送验证码"} <= labels["accounts:login_verify#sms"]
    assert "动态口令" in labels["accounts:login_verify#totp"]
    assert "登录密码" in labels["accounts:login_verify#password"]


@pytest.mark.django_db
def test_the_manual_gives_mobile_login_in_the_order_of_the_page(client):
    """Captcha → 获取短信验证码 → the code → 登录, then the password on 登录验证."""
    steps = [
        label
        for page, label in MARK.findall(client.get("/help/manual/").text)
        if page in ("accounts:login?tab=mobile", "accounts:login_verify#password")
    ]

    assert steps == [
        "手机号码", "验证码", "获取短信验证码", "短信验证码", "登录", "登录密码", "登录"
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_manual_gives_the_fields_of_account_activation(client):
    labels = documented(client)["accounts:activate"]

    assert {"申请人手机号码", "验证码", "获取短信验证码", "短信验证码", "激活码", "激活"} <= labels
    assert "申请编号或手机号码" not in client.get("/help/manual/").text


@pytest.mark.django_db
def test_every_page_the_help_names_is_one_this_test_opens(client):
    assert set(documented(client)) <= set(PAGES)


@pytest.mark.django_db
def test_every_bracketed_name_in_the_help_is_marked(client):
    for url in HELP_URLS:
        unmarked = [
            name
            for name in re.findall(r"【(.*?)】", client.get(url).text)
            if not MARK.fullmatch(name)
        ]
        assert unmarked == [], url


@pytest.mark.parametrize(
    "page",
    [pytest.param(key, marks=pytest.mark.real_otp) if key in REAL_OTP else key for key in PAGES],
)
def test_every_documented_label_is_on_its_page(client, request, regions, page):
    labels = documented(client)[page]
    response = PAGES[page](client, request)

    assert response.status_code == 200, f"{page} answered {response.status_code}"
    shown = controls_of(response.text)
    missing = sorted(label for label in labels if _plain(label) not in shown)
    assert not missing, f"{page} has no {missing}"

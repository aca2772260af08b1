"""Per-address SMS caps sized for a hospital behind one NAT address (issue 18 item 2c):
1,000 codes a day and 200 in any 10 minutes per address; per mobile still strict (issue 19
item 3: 5 a day that anyone can ask for, 10 登录验证 codes, one a minute in each budget); the
获取短信验证码 endpoint 600 requests an hour per address (SECURITY.md)."""

import datetime
import zoneinfo

import pytest
from django.conf import settings as django_settings

from accounts.models import SmsCode
from accounts.sms.backends import locmem
from accounts.sms.codes import SmsCodeError, send_code

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MORNING = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)
NAT = "10.8.0.1"


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


def seconds(n):
    return datetime.timedelta(seconds=n)


def mobile(n):
    return f"139{n:08d}"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Send a 登录验证 code to the ``n``-th clerk's mobile, as the view would (on commit)."""

    def send(n, now, ip=NAT):
        with django_capture_on_commit_callbacks(execute=True):
            send_code(mobile=mobile(n), purpose=SmsCode.Purpose.LOGIN_2FA, ip=ip, now=now)

    return send


def _sent_earlier(count, *, now, spread, ip=NAT):
    """``count`` codes already sent from ``ip`` before ``now`` (rows only, no texts)."""
    SmsCode.objects.bulk_create(
        SmsCode(
            mobile=mobile(10_000 + n),
            purpose=SmsCode.Purpose.LOGIN_2FA,
            code_hash="0" * 64,
            created_at=now - spread * (n + 1) / count - seconds(0.001),
            expires_at=now,
            sender_ip=ip,
        )
        for n in range(count)
    )


def test_the_caps_are_sized_for_a_hospital_behind_one_address():
    assert django_settings.SMS_DAILY_LIMIT_PER_IP == 1000
    assert django_settings.SMS_BURST_LIMIT_PER_IP == 200
    assert django_settings.SMS_BURST_WINDOW_SECONDS == 600
    assert django_settings.RATE_LIMITS["sms"] == ("10/h", "600/h")


def test_the_per_mobile_caps_stay_strict():
    assert django_settings.SMS_DAILY_LIMIT_PER_MOBILE == 5
    assert django_settings.SMS_SIGN_IN_DAILY_LIMIT_PER_MOBILE == 10
    assert django_settings.SMS_RESEND_SECONDS == 60


def test_three_hundred_clerks_behind_one_address_each_get_a_code_in_one_morning(outbox, send):
    # 300 clerks arriving between 08:00 and 09:30, one code each, all from the NAT address.
    for n in range(300):
        send(n, MORNING + seconds(18 * n))

    assert len(outbox) == 300


def test_the_201st_code_within_ten_minutes_waits(outbox, send):
    _sent_earlier(200, now=MORNING, spread=seconds(300))

    with pytest.raises(SmsCodeError) as refused:
        send(1, MORNING)

    assert refused.value.message.startswith("当前网络获取验证码过于频繁")
    assert outbox == []


def test_the_burst_wait_says_the_seconds_until_a_code_leaves_the_window(send):
    # The oldest of the 200 was sent 300 s ago: it leaves the 600 s window in 300 s.
    _sent_earlier(200, now=MORNING, spread=seconds(300))

    with pytest.raises(SmsCodeError) as refused:
        send(1, MORNING)

    assert refused.value.message == "当前网络获取验证码过于频繁，请在300秒后重试。"


def test_codes_older_than_ten_minutes_leave_the_burst_window(outbox, send):
    _sent_earlier(200, now=MORNING, spread=seconds(300))

    send(1, MORNING + seconds(301))

    assert len(outbox) == 1


def test_the_burst_cap_spares_other_addresses(outbox, send):
    _sent_earlier(200, now=MORNING, spread=seconds(300))

    send(1, MORNING, ip="10.8.0.2")

    assert len(outbox) == 1


def test_the_thousand_and_first_code_of_the_day_is_refused(outbox, send):
    _sent_earlier(1000, now=MORNING + datetime.timedelta(hours=10), spread=seconds(9 * 3600))

    with pytest.raises(SmsCodeError) as refused:
        send(1, MORNING + datetime.timedelta(hours=10))

    assert refused.value.message == "当前网络今日获取验证码的次数已达上限，请明天再试。"


def test_the_999th_code_of_the_day_is_sent(outbox, send):
    _sent_earlier(999, now=MORNING + datetime.timedelta(hours=10), spread=seconds(9 * 3600))

    send(1, MORNING + datetime.timedelta(hours=10))

    assert len(outbox) == 1

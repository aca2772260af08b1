"""One-time SMS codes: sending limits, hashing, expiry, single use (checklist 1.5, 1.6)."""

import datetime
import threading
import zoneinfo

import pytest
from django.db import connection, connections

from accounts.models import SmsCode
from accounts.sms import SmsSendError, codes
from accounts.sms.backends import locmem
from accounts.sms.backends.base import BaseSmsBackend
from accounts.sms.codes import SmsCodeError, send_code, verify_code

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
MOBILE = "13800138000"
IP = "10.0.0.1"
REGISTER = SmsCode.Purpose.REGISTER
LOGIN = SmsCode.Purpose.LOGIN


def seconds(n):
    return datetime.timedelta(seconds=n)


class FailingBackend(BaseSmsBackend):
    """A provider that refuses every message."""

    def send_messages(self, messages):
        raise SmsSendError("短信发送失败（isv.BUSINESS_LIMIT_CONTROL），请稍后重试。")


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    settings.SMS_RESEND_SECONDS = 60
    settings.SMS_DAILY_LIMIT_PER_MOBILE = 10
    settings.SMS_DAILY_LIMIT_PER_IP = 50
    settings.SMS_CODE_TTL_SECONDS = 300
    settings.SMS_CODE_MAX_ATTEMPTS = 5
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


@pytest.fixture
def send(django_capture_on_commit_callbacks, outbox):
    """Send a code as a view would, run the commit hooks, and return the code delivered."""

    def send(*, mobile=MOBILE, purpose=REGISTER, ip=IP, now=T0):
        with django_capture_on_commit_callbacks(execute=True):
            send_code(mobile=mobile, purpose=purpose, ip=ip, now=now)
        return outbox[-1].params["code"]

    return send


def refusal(**kwargs):
    with pytest.raises(SmsCodeError) as excinfo:
        verify_code(**{"mobile": MOBILE, "purpose": REGISTER, "now": T0, **kwargs})
    return excinfo.value.message


def wrong(code):
    """A six-digit code that is not ``code``."""
    return f"{(int(code) + 1) % 10**6:06d}"


# Sending


def test_code_is_sent_after_commit(django_capture_on_commit_callbacks, outbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_code(mobile=MOBILE, purpose=REGISTER, ip=IP, now=T0)
        assert outbox == []

    assert len(callbacks) == 1
    assert [message.mobile for message in outbox] == [MOBILE]


def test_message_names_the_purpose_and_the_lifetime(send, outbox):
    code = send(purpose=SmsCode.Purpose.RESET_PASSWORD)

    assert outbox[0].text == (
        f"【中国脑血管病登记平台】您的验证码为{code}，用于忘记密码，5分钟内有效。"
        "如非本人操作，请忽略本短信。"
    )


def test_code_is_six_digits_passed_as_template_param(send, outbox):
    code = send()

    assert len(code) == 6 and code.isdigit()
    assert outbox[0].params == {"code": code}


def test_code_is_stored_hashed(send):
    code = send()

    row = SmsCode.objects.get()
    assert all(code not in str(value) for value in vars(row).values())


def test_mobile_is_normalized(send):
    send(mobile="+86 138-0013-8000")

    assert SmsCode.objects.get().mobile == MOBILE


def test_invalid_mobile_is_refused(send):
    with pytest.raises(SmsCodeError, match="手机号码应为11位"):
        send(mobile="1380013800")


def test_resend_within_60_seconds_is_refused(send):
    send()

    with pytest.raises(SmsCodeError) as excinfo:
        send(now=T0 + seconds(45))

    assert excinfo.value.message == "发送过于频繁，请在15秒后重试。"


def test_resend_limit_covers_every_purpose(send):
    send(purpose=REGISTER)

    with pytest.raises(SmsCodeError, match="发送过于频繁"):
        send(purpose=LOGIN, now=T0 + seconds(30))


def test_resend_after_60_seconds_is_allowed(send, outbox):
    send()
    send(now=T0 + seconds(60))

    assert len(outbox) == 2


def test_refused_send_stores_and_sends_nothing(send, outbox):
    send()

    with pytest.raises(SmsCodeError):
        send(now=T0 + seconds(10))

    assert SmsCode.objects.count() == 1
    assert len(outbox) == 1


def test_resend_invalidates_the_earlier_code(send, monkeypatch):
    monkeypatch.setattr(codes, "_new_code", iter(["111111", "222222"]).__next__)
    send()
    send(now=T0 + seconds(61))

    assert refusal(code="111111", now=T0 + seconds(62)) == "验证码错误，请核对后重新输入。"


def test_daily_cap_per_mobile(send):
    for n in range(10):
        send(now=T0 + seconds(61 * n))

    with pytest.raises(SmsCodeError) as excinfo:
        send(now=T0 + seconds(61 * 10))

    assert excinfo.value.message == "该手机号今日获取验证码的次数已达上限（10次），请明天再试。"


def test_daily_cap_per_mobile_counts_the_shanghai_calendar_day(send):
    # 07:00 in Shanghai is still the previous day in UTC; 08:30 is the next UTC day.
    morning = datetime.datetime(2026, 3, 2, 7, 0, tzinfo=SHANGHAI)
    for n in range(10):
        send(now=morning + seconds(61 * n))

    with pytest.raises(SmsCodeError, match="已达上限"):
        send(now=datetime.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI))


def test_daily_cap_per_mobile_resets_at_shanghai_midnight(send, outbox):
    evening = datetime.datetime(2026, 3, 2, 23, 45, tzinfo=SHANGHAI)
    for n in range(10):
        send(now=evening + seconds(61 * n))

    send(now=datetime.datetime(2026, 3, 3, 0, 0, 30, tzinfo=SHANGHAI))

    assert len(outbox) == 11


def test_daily_cap_per_ip(send):
    for n in range(50):
        send(mobile=f"1390000{n:04d}", now=T0 + seconds(n))

    with pytest.raises(SmsCodeError) as excinfo:
        send(mobile="13700000000", now=T0 + seconds(50))

    assert excinfo.value.message == "当前网络今日获取验证码的次数已达上限，请明天再试。"


def test_daily_cap_per_ip_spares_other_addresses(send, outbox):
    for n in range(50):
        send(mobile=f"1390000{n:04d}", now=T0 + seconds(n))

    send(mobile="13700000000", ip="10.0.0.2", now=T0 + seconds(50))

    assert len(outbox) == 51


def test_unknown_purpose_is_a_programming_error(send):
    with pytest.raises(ValueError):
        send(purpose="newsletter")


@pytest.mark.django_db(transaction=True)
def test_provider_failure_is_refused_in_chinese(settings):
    settings.SMS_BACKEND = "tests.accounts.test_sms_codes.FailingBackend"

    with pytest.raises(SmsCodeError) as excinfo:
        send_code(mobile=MOBILE, purpose=REGISTER, ip=IP, now=T0)

    assert excinfo.value.message == "短信发送失败，请稍后重试。"


# Verifying


def test_right_code_is_accepted(send):
    code = send()

    verify_code(mobile=MOBILE, purpose=REGISTER, code=code, now=T0 + seconds(10))

    assert SmsCode.objects.get().used_at == T0 + seconds(10)


def test_code_typed_with_full_width_digits_is_accepted(send):
    code = send()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)

    verify_code(mobile=MOBILE, purpose=REGISTER, code=f" {full_width} ", now=T0)

    assert SmsCode.objects.get().used_at is not None


def test_code_works_until_it_expires(send):
    code = send()

    verify_code(mobile=MOBILE, purpose=REGISTER, code=code, now=T0 + seconds(299))

    assert SmsCode.objects.get().used_at is not None


def test_expired_code_is_refused(send):
    code = send()

    assert refusal(code=code, now=T0 + seconds(300)) == "验证码已过期，请重新获取。"


def test_used_code_is_refused(send):
    code = send()
    verify_code(mobile=MOBILE, purpose=REGISTER, code=code, now=T0)

    assert refusal(code=code, now=T0 + seconds(5)) == "该验证码已使用，请重新获取。"


def test_wrong_purpose_code_is_refused(send):
    code = send(purpose=REGISTER)

    assert refusal(code=code, purpose=SmsCode.Purpose.RESET_PASSWORD)


def test_code_for_another_mobile_is_refused(send):
    code = send(mobile="13900139000")

    assert refusal(code=code, mobile=MOBILE)


def test_wrong_code_is_refused(send):
    code = send()

    assert refusal(code=wrong(code)) == "验证码错误，请核对后重新输入。"


def test_wrong_try_is_counted_although_verify_raises(send):
    code = send()

    refusal(code=wrong(code))

    assert SmsCode.objects.get().attempts == 1


def test_fifth_wrong_try_says_too_many(send):
    code = send()
    messages = [refusal(code=wrong(code)) for _try in range(5)]

    assert messages[-1] == "验证码错误次数过多，请重新获取。"


def test_fifth_wrong_try_burns_the_code(send):
    code = send()
    for _try in range(5):
        refusal(code=wrong(code))

    assert refusal(code=code) == "验证码错误次数过多，请重新获取。"


def test_fourth_wrong_try_leaves_the_code_usable(send):
    code = send()
    for _try in range(4):
        refusal(code=wrong(code))

    verify_code(mobile=MOBILE, purpose=REGISTER, code=code, now=T0)

    assert SmsCode.objects.get().used_at is not None


def test_mobile_without_a_code_gets_the_same_answer_as_a_wrong_code(send):
    code = send(mobile="13900139000")
    answer_for_wrong_code = refusal(mobile="13900139000", code=wrong(code))

    assert refusal(mobile=MOBILE, code="123456") == answer_for_wrong_code


def test_codes_and_full_mobiles_are_not_logged(send, caplog):
    caplog.set_level("DEBUG")
    code = send()
    refusal(code=wrong(code))
    verify_code(mobile=MOBILE, purpose=REGISTER, code=code, now=T0)

    assert "138****8000" in caplog.text
    assert code not in caplog.text
    assert MOBILE not in caplog.text


# Concurrency: two gunicorn workers at once. SELECT … FOR UPDATE and advisory locks are
# what is tested, so these run on PostgreSQL only.

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row and advisory locks need PostgreSQL"
)


def run_together(target, count=2):
    """Run ``target`` in ``count`` threads that start at the same moment; return outcomes."""
    barrier = threading.Barrier(count)
    outcomes = []

    def worker():
        barrier.wait()
        try:
            target()
            outcomes.append("ok")
        except SmsCodeError as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_to_one_mobile_send_one_code(outbox):
    outcomes = run_together(
        lambda: send_code(mobile=MOBILE, purpose=REGISTER, ip=IP, now=T0), count=4
    )

    assert outcomes.count("ok") == 1
    assert SmsCode.objects.count() == 1
    assert len(outbox) == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_verifications_of_one_code_succeed_once(outbox):
    send_code(mobile=MOBILE, purpose=REGISTER, ip=IP, now=T0)
    code = outbox[-1].params["code"]

    outcomes = run_together(
        lambda: verify_code(mobile=MOBILE, purpose=REGISTER, code=code, now=T0), count=4
    )

    assert sorted(outcomes) == ["ok"] + ["该验证码已使用，请重新获取。"] * 3

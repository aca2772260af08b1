"""Deadline reminders (issue 22 item 5): ``manage.py send_reminders`` texts an institution's
单位管理员 before its window closes and when its report is returned — once per milestone,
never at night, never for a submitted report — and 欢迎 shows the same notice."""

import datetime
import zoneinfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.sms import SmsMessage, SmsSendError
from accounts.sms.backends import locmem
from accounts.sms.backends.aliyun import SmsBackend as AliyunBackend
from accounts.sms.backends.base import BaseSmsBackend
from surveys import reports
from surveys.models import Reminder, ReminderStatus, ReportStatus, WindowExtension
from surveys.reminders import send_reminders
from tests.factories import UserFactory
from tests.surveys.test_report_services import ready_to_submit, submit

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Data year 2025: the default window is 1 February – 31 March 2026.
OPEN_DAY = datetime.date(2026, 2, 15)
FOURTEEN_DAYS_BEFORE = datetime.date(2026, 3, 17)
TWO_DAYS_BEFORE = datetime.date(2026, 3, 29)
ADMIN_MOBILE = "13800138001"


@pytest.fixture
def clock(monkeypatch):
    """Set the time, Asia/Shanghai, for everything that reads it (``timezone.now``: the
    quiet hours, today, the reporting window)."""

    def set_time(day, hour=10, minute=0):
        moment = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: moment)

    set_time(OPEN_DAY)
    return set_time


@pytest.fixture
def texts(settings):
    """The messages handed to the SMS backend (the in-memory one)."""
    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    settings.REMINDER_DAYS = [14, 3]
    locmem.outbox.clear()
    return locmem.outbox


@pytest.fixture
def admin_a(institution_a):
    """Institution A's 单位管理员, with a mobile."""
    return UserFactory(
        username="admin_a",
        institution=institution_a,
        role=User.Role.INSTITUTION_ADMIN,
        origin=User.Origin.ACTIVATION,
        mobile=ADMIN_MOBILE,
    )


class FailingBackend(BaseSmsBackend):
    """A provider that cannot be reached."""

    def send_messages(self, messages):
        raise SmsSendError("无法连接短信服务，请稍后重试。")


def run():
    """One run of the daily job (``REMINDER_DAYS`` = 14, 3)."""
    return send_reminders()


# Once per milestone ---------------------------------------------------------------------------


def test_an_unsubmitted_report_is_reminded_fourteen_days_before_the_deadline(clock, texts, admin_a):
    clock(FOURTEEN_DAYS_BEFORE)

    run()

    assert [m.mobile for m in texts] == [ADMIN_MOBILE]
    assert "甲医院2025年度脑血管病登记数据尚未提交" in texts[0].text
    assert "2026年3月31日" in texts[0].text
    reminder = Reminder.objects.get()
    assert (reminder.milestone, reminder.status, reminder.mobile_masked) == (
        "closing_14",
        ReminderStatus.SENT,
        "138****8001",
    )


def test_a_second_run_sends_nothing_again(clock, texts, admin_a):
    clock(FOURTEEN_DAYS_BEFORE)

    run()
    clock(FOURTEEN_DAYS_BEFORE, hour=15)
    second = run()
    clock(FOURTEEN_DAYS_BEFORE + datetime.timedelta(days=1))
    run()

    assert len(texts) == 1
    assert second.already == 1 and Reminder.objects.count() == 1


def test_the_three_day_reminder_follows_the_fourteen_day_one(clock, texts, admin_a):
    clock(FOURTEEN_DAYS_BEFORE)
    run()
    clock(datetime.date(2026, 3, 28))
    run()

    assert sorted(Reminder.objects.values_list("milestone", flat=True)) == [
        "closing_14",
        "closing_3",
    ]
    assert len(texts) == 2


def test_only_the_nearest_milestone_is_sent_when_several_are_due(clock, texts, admin_a):
    clock(TWO_DAYS_BEFORE)
    run()
    clock(TWO_DAYS_BEFORE + datetime.timedelta(days=1))
    run()

    assert list(Reminder.objects.values_list("milestone", flat=True)) == ["closing_3"]
    assert len(texts) == 1


def test_nothing_is_sent_further_from_the_deadline(clock, texts, admin_a):
    clock(datetime.date(2026, 3, 16))

    run()

    assert texts == [] and not Reminder.objects.exists()


def test_a_row_another_run_is_sending_is_not_sent_again(clock, texts, admin_a):
    clock(FOURTEEN_DAYS_BEFORE)
    Reminder.objects.create(
        institution=admin_a.institution,
        data_year=2025,
        milestone="closing_14",
        recipient=admin_a,
        mobile_masked="138****8001",
        deadline=datetime.date(2026, 3, 31),
        text="…",
        status=ReminderStatus.SENDING,
    )

    outcome = run()

    assert texts == [] and outcome.already == 1


# Quiet hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(("hour", "minute"), [(22, 0), (23, 30), (0, 0), (7, 59)])
def test_nothing_is_sent_between_ten_at_night_and_eight_in_the_morning(
    clock, texts, admin_a, hour, minute
):
    clock(FOURTEEN_DAYS_BEFORE, hour=hour, minute=minute)

    outcome = run()

    assert outcome.quiet and texts == [] and not Reminder.objects.exists()


@pytest.mark.parametrize(("hour", "minute"), [(8, 0), (21, 59)])
def test_reminders_go_out_from_eight_until_ten(clock, texts, admin_a, hour, minute):
    clock(FOURTEEN_DAYS_BEFORE, hour=hour, minute=minute)

    run()

    assert len(texts) == 1


def test_the_command_says_why_it_sent_nothing_at_night(clock, texts, admin_a, capsys):
    clock(FOURTEEN_DAYS_BEFORE, hour=23)

    call_command("send_reminders")

    assert "免打扰时段（22:00–08:00）" in capsys.readouterr().out
    assert texts == []


# Which reports -----------------------------------------------------------------------------


def submitted(user):
    return submit(ready_to_submit(reports.open_current_report(user), user), user)


def test_a_submitted_report_is_not_reminded(clock, texts, admin_a):
    submitted(admin_a)
    clock(FOURTEEN_DAYS_BEFORE)

    run()

    assert texts == []


def test_an_approved_report_is_not_reminded(clock, texts, admin_a, auditor):
    reports.approve_report(submitted(admin_a), auditor)
    clock(TWO_DAYS_BEFORE)

    run()

    assert texts == []


def test_a_draft_report_is_reminded_with_its_report(clock, texts, admin_a):
    report = reports.open_current_report(admin_a)
    clock(FOURTEEN_DAYS_BEFORE)

    run()

    assert Reminder.objects.get().report == report
    assert len(texts) == 1


def test_an_institution_without_a_report_is_reminded_to_start_one(clock, texts, admin_a):
    clock(FOURTEEN_DAYS_BEFORE)

    run()

    assert Reminder.objects.get().report is None
    assert len(texts) == 1


def test_an_extension_moves_the_deadline(clock, texts, admin_a):
    WindowExtension.objects.create(
        institution=admin_a.institution, data_year=2025, until=datetime.date(2026, 4, 30)
    )
    clock(FOURTEEN_DAYS_BEFORE)
    run()
    assert texts == []

    clock(datetime.date(2026, 4, 16))
    run()

    assert len(texts) == 1 and "2026年4月30日" in texts[0].text
    assert Reminder.objects.get().deadline == datetime.date(2026, 4, 30)


def test_nothing_is_sent_once_the_window_has_closed(clock, texts, admin_a):
    clock(datetime.date(2026, 4, 1))

    run()

    assert texts == []


def test_a_returned_report_is_reminded_once_per_return(clock, texts, admin_a, auditor):
    report = reports.return_report(submitted(admin_a), auditor, "出院人数有误")

    run()
    run()
    assert len(texts) == 1 and "已被退回" in texts[0].text
    first = Reminder.objects.get()
    assert first.milestone.startswith("returned:") and first.report == report

    reports.return_report(submit(report, admin_a), auditor, "附件4不清晰")
    run()

    assert len(texts) == 2
    assert Reminder.objects.filter(milestone__startswith="returned:").count() == 2


def test_a_returned_report_also_gets_the_deadline_reminder(clock, texts, admin_a, auditor):
    reports.return_report(submitted(admin_a), auditor, "出院人数有误")
    clock(FOURTEEN_DAYS_BEFORE)

    run()

    milestones = sorted(Reminder.objects.values_list("milestone", flat=True))
    assert milestones[0] == "closing_14" and milestones[1].startswith("returned:")
    assert len(texts) == 2


def test_a_report_submitted_again_before_the_run_is_not_reminded(clock, texts, admin_a, auditor):
    report = reports.return_report(submitted(admin_a), auditor, "出院人数有误")
    submit(report, admin_a)

    run()

    assert texts == []


# Who ---------------------------------------------------------------------------------------


def test_only_active_institution_admins_with_a_mobile_are_texted(
    clock, texts, admin_a, institution_a
):
    UserFactory(institution=institution_a, mobile="13800138002")  # a hospital user
    UserFactory(
        institution=institution_a,
        role=User.Role.INSTITUTION_ADMIN,
        mobile="13800138003",
        is_active=False,
    )
    UserFactory(institution=institution_a, role=User.Role.INSTITUTION_ADMIN, mobile="")
    clock(FOURTEEN_DAYS_BEFORE)

    run()

    assert [m.mobile for m in texts] == [ADMIN_MOBILE]


def test_every_admin_of_the_institution_is_texted(clock, texts, admin_a, institution_a):
    UserFactory(institution=institution_a, role=User.Role.INSTITUTION_ADMIN, mobile="13800138004")
    clock(FOURTEEN_DAYS_BEFORE)

    run()
    run()

    assert sorted(m.mobile for m in texts) == [ADMIN_MOBILE, "13800138004"]


def test_a_stopped_institution_is_not_texted(clock, texts, admin_a):
    institution = admin_a.institution
    institution.status = institution.Status.DISABLED
    institution.save()
    clock(FOURTEEN_DAYS_BEFORE)

    run()

    assert texts == []


# Failures ----------------------------------------------------------------------------------


def test_a_failed_send_is_recorded_and_tried_again_at_the_next_run(clock, texts, admin_a, settings):
    clock(FOURTEEN_DAYS_BEFORE)
    settings.SMS_BACKEND = "tests.surveys.test_reminders.FailingBackend"
    outcome = run()

    failed = Reminder.objects.get()
    assert (failed.status, failed.error) == (
        ReminderStatus.FAILED,
        "无法连接短信服务，请稍后重试。",
    )
    assert len(outcome.failed) == 1

    settings.SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
    clock(FOURTEEN_DAYS_BEFORE + datetime.timedelta(days=1))
    run()
    run()

    sent = Reminder.objects.get()
    assert (sent.status, sent.attempts, sent.error) == (ReminderStatus.SENT, 2, "")
    assert len(texts) == 1


def test_the_command_fails_when_a_text_fails(clock, texts, admin_a, settings, capsys):
    clock(FOURTEEN_DAYS_BEFORE)
    settings.SMS_BACKEND = "tests.surveys.test_reminders.FailingBackend"

    with pytest.raises(CommandError, match="1条提醒短信发送失败"):
        call_command("send_reminders")

    assert "发送失败：甲医院 2025年度 截止前14天 → admin_a 138****8001" in capsys.readouterr().out


# The command -------------------------------------------------------------------------------


def test_the_command_prints_a_summary(clock, texts, admin_a, capsys):
    clock(FOURTEEN_DAYS_BEFORE)

    call_command("send_reminders")

    out = capsys.readouterr().out
    assert "已发送：甲医院 2025年度 截止前14天 → admin_a 138****8001" in out
    assert "提醒短信：已发送1条，失败0条，此前已发送0条。 (reminders: 1 sent" in out


def test_dry_run_lists_and_sends_nothing(clock, texts, admin_a, capsys):
    clock(FOURTEEN_DAYS_BEFORE)

    call_command("send_reminders", "--dry-run")

    out = capsys.readouterr().out
    assert "将发送：甲医院 2025年度 截止前14天 → admin_a 138****8001" in out
    assert "将发送1条提醒短信" in out
    assert texts == [] and not Reminder.objects.exists()


def test_days_option_replaces_the_setting(clock, texts, admin_a):
    clock(datetime.date(2026, 3, 24))  # 7 days before

    call_command("send_reminders", "--days", "7,1")

    assert Reminder.objects.get().milestone == "closing_7"


def test_days_option_must_be_numbers(clock, texts):
    with pytest.raises(CommandError, match="--days"):
        call_command("send_reminders", "--days", "two")


# The Aliyun template ------------------------------------------------------------------------


def aliyun_backend():
    return AliyunBackend(
        access_key_id="id",
        access_key_secret="secret",
        sign_name="平台",
        template_code="SMS_CODE",
        notice_template_code="SMS_NOTICE",
    )


def reminder_message():
    params = {"institution": "甲医院", "year": "2025", "event": "尚未提交", "deadline": "x"}
    return SmsMessage(mobile=ADMIN_MOBILE, text="…", params=params)


def test_aliyun_sends_a_reminder_with_the_reminder_template(settings):
    settings.SMS_ALIYUN_REMINDER_TEMPLATE_CODE = "SMS_REMIND"

    assert aliyun_backend().template_for(reminder_message()) == "SMS_REMIND"


def test_aliyun_refuses_a_reminder_without_its_template(settings):
    settings.SMS_ALIYUN_REMINDER_TEMPLATE_CODE = ""

    with pytest.raises(SmsSendError, match="SMS_ALIYUN_REMINDER_TEMPLATE_CODE"):
        aliyun_backend().template_for(reminder_message())


# 欢迎 ---------------------------------------------------------------------------------------


@pytest.fixture
def on_day(monkeypatch):
    def set_day(day):
        monkeypatch.setattr(reports, "today", lambda: day)

    return set_day


def welcome(client, user):
    client.force_login(user)
    return client.get(reverse("welcome")).content.decode()


def test_welcome_warns_when_the_deadline_is_near(client, alice, on_day):
    on_day(FOURTEEN_DAYS_BEFORE)

    page = welcome(client, alice)

    assert "本单位2025年度数据填报将于2026年3月31日（北京时间24时）截止，尚未提交" in page
    assert reverse("surveys:home") in page


def test_welcome_says_nothing_while_the_deadline_is_far(client, alice, on_day):
    on_day(datetime.date(2026, 3, 16))

    assert 'id="report-notice"' not in welcome(client, alice)


def test_welcome_says_nothing_once_the_report_is_submitted(client, alice, on_day):
    on_day(OPEN_DAY)
    submitted(alice)
    on_day(FOURTEEN_DAYS_BEFORE)

    assert 'id="report-notice"' not in welcome(client, alice)


def test_welcome_shows_a_return_with_its_reason(client, alice, auditor, on_day):
    on_day(OPEN_DAY)
    reports.return_report(submitted(alice), auditor, "出院人数有误")

    page = welcome(client, alice)

    assert "本单位2025年度报告已被审核员退回" in page and "退回原因：出院人数有误" in page


def test_welcome_shows_no_notice_to_an_auditor(client, auditor, on_day):
    on_day(FOURTEEN_DAYS_BEFORE)

    assert 'id="report-notice"' not in welcome(client, auditor)


def test_welcome_notice_costs_two_queries(client, alice, on_day, django_assert_max_num_queries):
    from surveys.reminders import welcome_notice

    on_day(FOURTEEN_DAYS_BEFORE)
    alice.institution  # noqa: B018 (loaded with the user at sign-in)

    with django_assert_max_num_queries(2):
        assert welcome_notice(alice) is not None


# 审核后台 -----------------------------------------------------------------------------------


@pytest.fixture
def reminded(clock, texts, admin_a):
    clock(FOURTEEN_DAYS_BEFORE)
    run()
    return Reminder.objects.get()


def test_auditors_see_who_was_reminded(client, auditor, reminded):
    client.force_login(auditor)

    page = client.get(reverse("admin:surveys_reminder_changelist")).content.decode()

    assert "甲医院" in page and "138****8001" in page and "截止前14天" in page
    assert ADMIN_MOBILE not in page


def test_the_list_filters_by_year_and_milestone(client, auditor, reminded):
    client.force_login(auditor)
    url = reverse("admin:surveys_reminder_changelist")

    shown = client.get(url, {"data_year": "2025", "milestone": "closing_14"})
    hidden = client.get(url, {"milestone": "returned"})
    searched = client.get(url, {"q": "乙医院"})

    assert len(shown.context["cl"].result_list) == 1
    assert len(hidden.context["cl"].result_list) == 0
    assert len(searched.context["cl"].result_list) == 0


def test_a_reminder_opens_read_only(client, auditor, reminded):
    client.force_login(auditor)
    url = reverse("admin:surveys_reminder_change", args=[reminded.pk])

    response = client.get(url)
    posted = client.post(url, {"status": ReminderStatus.FAILED})

    assert response.status_code == 200 and "短信内容" in response.content.decode()
    assert 'name="_save"' not in response.content.decode()
    assert posted.status_code == 403
    reminded.refresh_from_db()
    assert reminded.status == ReminderStatus.SENT


def test_nobody_adds_reminders_in_the_admin(client, superuser):
    client.force_login(superuser)

    assert client.get(reverse("admin:surveys_reminder_add")).status_code == 403


def test_a_hospital_account_cannot_see_the_reminders(client, alice, reminded):
    client.force_login(alice)

    response = client.get(reverse("admin:surveys_reminder_changelist"))

    assert response.status_code == 302 and "login" in response.url


def test_reports_are_only_read(clock, texts, admin_a):
    report = reports.open_current_report(admin_a)
    clock(FOURTEEN_DAYS_BEFORE)

    run()

    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.transitions.count() == 0

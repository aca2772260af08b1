"""Deadline reminders (issue 22 item 5): texts to each institution's 单位管理员 when its report
of the current data year is not submitted and its window closes within N days (``closing_N``,
``REMINDER_DAYS``: 14 and 3), and when its report was returned (``returned:<transition id>``);
and the notice on 欢迎 that says the same to every member of the institution.

``send_reminders`` is run daily by ``manage.py send_reminders`` (cron or a systemd timer, see
README). What it guarantees:

- **once**: each reminder is a ``Reminder`` row, unique per institution, year, milestone and
  recipient, written *before* the text is handed to the SMS backend. Of two runs at once only
  one inserts the row (the other's insert fails on the constraint) and only that one sends.
  A failed send is recorded (``FAILED``, the backend's reason) and tried again at the next
  run, claimed by one run only (an UPDATE … WHERE status = failed). A row left ``SENDING``
  (the run was killed while the backend was called) is never sent again: a reminder goes out
  at most once.
- **only while it applies**: the window is open today (an extension counts: the deadline is
  the institution's own ``Access.until``) and the report is not submitted (no report yet,
  未提交 or 已退回); a returned reminder only while the report is still 已退回. When the
  deadline comes within several milestones at once (the first run, a missed day) only the
  nearest is sent; the farther ones are not sent later.
- **never at night**: nothing is sent between 22:00 and 08:00 Asia/Shanghai, so the command
  may run at any hour.
- **to whom**: active 单位管理员 accounts with a mobile, of active institutions.

Reminders read reports and never change them (``surveys.reports`` owns that).
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, UserRole
from accounts.sms import SmsSendError, send_sms
from accounts.validators import mask_mobile
from institutions.models import Institution, InstitutionStatus

from . import reports
from .models import (
    EDITABLE_STATUSES,
    Reminder,
    ReminderStatus,
    Report,
    ReportStatus,
    ReportTransition,
    TransitionAction,
)
from .reports import current_data_year, reporting_access

logger = logging.getLogger(__name__)

# No text goes out from 22:00 until 08:00, Beijing time (TIME_ZONE).
QUIET_FROM = datetime.time(22, 0)
QUIET_UNTIL = datetime.time(8, 0)

EVENT_NOT_SUBMITTED = gettext_lazy("尚未提交")
EVENT_RETURNED = gettext_lazy("已被退回")


def in_quiet_hours(moment: datetime.datetime | None = None) -> bool:
    """Is ``moment`` (now by default) between 22:00 and 08:00 Asia/Shanghai?"""
    local = timezone.localtime(moment or timezone.now(), timezone.get_default_timezone())
    return local.time() >= QUIET_FROM or local.time() < QUIET_UNTIL


def reminder_days(days=None) -> list[int]:
    """The milestones in days before the deadline, nearest first (``REMINDER_DAYS``)."""
    return sorted({int(day) for day in (days if days is not None else settings.REMINDER_DAYS)})


def closing_milestone(days_left: int, days) -> str | None:
    """``closing_N`` for the nearest milestone N the deadline is within, or None."""
    for day in reminder_days(days):
        if 0 <= days_left <= day:
            return f"{Reminder.CLOSING_PREFIX}{day}"
    return None


def _day(value: datetime.date) -> str:
    return date_format(value, "Y年n月j日")


def _fill(template: str, params: dict) -> str:
    """``{name}`` replaced by ``params[name]``; anything else in the operator's template is
    kept as written (no ``str.format``: its attribute lookups have no place in a setting)."""
    return re.sub(r"\{(\w+)\}", lambda m: params.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True)
class DueReminder:
    """A reminder that applies today (sent already or not)."""

    institution: Institution
    data_year: int
    report_id: int | None
    milestone: str
    recipient: User
    deadline: datetime.date

    @property
    def key(self) -> tuple:
        return (self.institution.pk, self.milestone, self.recipient.pk)

    @property
    def params(self) -> dict:
        """The template's variables (the Aliyun template gets exactly these)."""
        returned = self.milestone.startswith(Reminder.RETURNED_PREFIX)
        return {
            "institution": self.institution.name,
            "year": str(self.data_year),
            "event": str(EVENT_RETURNED if returned else EVENT_NOT_SUBMITTED),
            "deadline": _day(self.deadline),
        }

    @property
    def text(self) -> str:
        return _fill(settings.SMS_REMINDER_TEMPLATE, self.params)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.recipient.mobile)

    def describe(self) -> str:
        label = Reminder(milestone=self.milestone).get_milestone_display()
        return (
            f"{self.institution.name} {self.data_year}年度 {label} → "
            f"{self.recipient.username} {self.mobile_masked}"
        )


def due_reminders(days=None) -> list[DueReminder]:
    """Every reminder that applies today for the current data year, to every recipient —
    whether or not it was sent before. Three queries, plus one per institution whose report
    is not submitted (its window and extension)."""
    day = reports.today()  # the same day the window check reads
    data_year = current_data_year(day)
    recipients: dict[int, list[User]] = {}
    admins = (
        User.objects.filter(
            role=UserRole.INSTITUTION_ADMIN,
            is_active=True,
            is_staff=False,
            institution__status=InstitutionStatus.ACTIVE,
        )
        .exclude(mobile_hash="")
        .select_related("institution")
        .order_by("institution_id", "pk")
    )
    for admin in admins:
        recipients.setdefault(admin.institution_id, []).append(admin)
    if not recipients:
        return []
    of_year = {
        institution_id: (report_id, status)
        for institution_id, report_id, status in Report.objects.alive()
        .filter(data_year=data_year)
        .values_list("institution_id", "id", "status")
    }
    returned_ids = [rid for rid, status in of_year.values() if status == ReportStatus.RETURNED]
    last_return = dict(
        ReportTransition.objects.filter(report_id__in=returned_ids, action=TransitionAction.RETURN)
        .order_by("report_id", "at", "id")
        .values_list("report_id", "id")
    )
    due = []
    for institution_id, admins_of in recipients.items():
        report_id, status = of_year.get(institution_id, (None, None))
        if status is not None and status not in EDITABLE_STATUSES:
            continue  # submitted, approved or legacy: nothing to remind
        access = reporting_access(institution_id, data_year)
        if not access.is_open:
            continue
        milestones = []
        closing = closing_milestone((access.until - day).days, days)
        if closing:
            milestones.append(closing)
        if status == ReportStatus.RETURNED and report_id in last_return:
            milestones.append(f"{Reminder.RETURNED_PREFIX}{last_return[report_id]}")
        for milestone in milestones:
            for admin in admins_of:
                due.append(
                    DueReminder(
                        institution=admin.institution,
                        data_year=data_year,
                        report_id=report_id,
                        milestone=milestone,
                        recipient=admin,
                        deadline=access.until,
                    )
                )
    return due


@dataclass
class Outcome:
    """What a run did (or, with ``dry_run``, would do)."""

    quiet: bool = False
    dry_run: bool = False
    # Quiet hours began during the run: the rest waits for the next one.
    stopped: bool = False
    sent: list[DueReminder] = field(default_factory=list)
    failed: list[tuple[DueReminder, str]] = field(default_factory=list)
    # Sent (or being sent) before, by this or another run.
    already: int = 0
    # dry_run: what would be sent.
    pending: list[DueReminder] = field(default_factory=list)


def send_reminders(*, days=None, dry_run: bool = False) -> Outcome:
    """Send every reminder that applies now and was not sent before (see the module's
    docstring). Nothing between 22:00 and 08:00 Asia/Shanghai. ``dry_run`` lists what would
    be sent and writes and sends nothing (at any hour)."""
    outcome = Outcome(quiet=in_quiet_hours(), dry_run=dry_run)
    if outcome.quiet and not dry_run:
        return outcome
    due = due_reminders(days)
    if not due:
        return outcome
    done = set(
        (institution_id, milestone, recipient_id)
        for institution_id, milestone, recipient_id in Reminder.objects.filter(
            data_year=due[0].data_year,
            status__in=(ReminderStatus.SENT, ReminderStatus.SENDING),
        ).values_list("institution_id", "milestone", "recipient_id")
    )
    for reminder in due:
        if reminder.key in done:
            outcome.already += 1
        elif dry_run:
            outcome.pending.append(reminder)
        elif in_quiet_hours():
            outcome.stopped = True
            break
        else:
            _deliver(reminder, outcome)
    return outcome


def _claim(reminder: DueReminder) -> int | None:
    """The id of the reminder's row, now ``SENDING`` and ours to send; None when another run
    sent it or is sending it."""
    key = {
        "institution_id": reminder.institution.pk,
        "data_year": reminder.data_year,
        "milestone": reminder.milestone,
        "recipient_id": reminder.recipient.pk,
    }
    current = {
        "report_id": reminder.report_id,
        "mobile_masked": reminder.mobile_masked,
        "deadline": reminder.deadline,
        "text": reminder.text,
    }
    try:
        with transaction.atomic():
            return Reminder.objects.create(**key, **current, status=ReminderStatus.SENDING).pk
    except IntegrityError:
        pass
    # Sent before, or failed before: a failed one is retried by the one run whose UPDATE
    # matches it (PostgreSQL re-checks the WHERE after waiting for a concurrent one).
    retried = Reminder.objects.filter(**key, status=ReminderStatus.FAILED)
    ids = list(retried.values_list("pk", flat=True))
    claimed = retried.filter(pk__in=ids).update(
        status=ReminderStatus.SENDING, attempts=F("attempts") + 1, error="", **current
    )
    return ids[0] if claimed else None


def _deliver(reminder: DueReminder, outcome: Outcome) -> None:
    pk = _claim(reminder)
    if pk is None:
        outcome.already += 1
        return
    error = ""
    try:
        if not send_sms(reminder.recipient.mobile, reminder.text, params=reminder.params):
            error = _("短信服务未接受该短信。")
    except SmsSendError as exc:
        error = str(exc)
    except Exception:
        # Whatever went wrong, the row must not stay SENDING (that would never be retried).
        logger.exception("Reminder %s to %s failed", reminder.milestone, reminder.mobile_masked)
        error = _("发送时出现内部错误，详见服务器日志。")
    if error:
        Reminder.objects.filter(pk=pk).update(status=ReminderStatus.FAILED, error=error[:200])
        logger.warning("Reminder %s to %s not sent: %s", pk, reminder.mobile_masked, error)
        outcome.failed.append((reminder, error))
    else:
        Reminder.objects.filter(pk=pk).update(status=ReminderStatus.SENT, sent_at=timezone.now())
        logger.info("Reminder %s sent to %s", pk, reminder.mobile_masked)
        outcome.sent.append(reminder)


# 欢迎 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WelcomeNotice:
    """What 欢迎 tells an institution's members about the current year's report."""

    deadline: str  # the deadline sentence ("" when the window is closed)
    returned: str  # the 退回 sentence with its reason ("" when not returned)


def welcome_notice(user) -> WelcomeNotice | None:
    """The notice for ``user``'s 欢迎 page, or None: the institution's report of the current
    data year is 已退回 (with the reason), or not submitted while its window closes within
    the largest of ``REMINDER_DAYS``. Two queries (the report; the window)."""
    if not user.is_authenticated or not user.can_see_institution_data:
        return None
    day = reports.today()  # the same day the window check reads
    data_year = current_data_year(day)
    report = (
        Report.objects.of_institution(user.institution_id)
        .filter(data_year=data_year)
        .only("status", "return_reason")
        .first()
    )
    if report is not None and report.status not in EDITABLE_STATUSES:
        return None
    returned = report is not None and report.status == ReportStatus.RETURNED
    access = reporting_access(user.institution_id, data_year)
    days_left = (access.until - day).days
    near = access.is_open and days_left <= max(reminder_days(), default=0)
    if not (returned or near):
        return None
    deadline = ""
    if access.is_open:
        deadline = _(
            "本单位%(year)s年度数据填报将于%(until)s（北京时间24时）截止，尚未提交，"
            "请及时填写并提交。"
        ) % {"year": data_year, "until": _day(access.until)}
    returned_text = ""
    if returned:
        returned_text = _(
            "本单位%(year)s年度报告已被审核员退回，请按退回原因修改后重新提交。退回原因：%(reason)s"
        ) % {"year": data_year, "reason": report.return_reason}
    return WelcomeNotice(deadline=deadline, returned=returned_text)

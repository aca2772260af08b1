"""Keeping ``ReportIndicators`` in step with the reports (issue 23 item 4).

quality sits above surveys, casesets and binding, which may not call it, so it listens:
every change of a report or of its cases ends in a ``save`` of one of these rows —

- a case added, edited, deleted (softly) or restored (``casesets.services``): its post_save;
- an Excel import (``excel_templates.services.confirm``): the cases go in with COPY (or
  ``bulk_create``), which sends nothing, but the batch is then saved as 已导入 — one
  post_save of ``ImportBatch`` for the whole file;
- 总表 saved, 提交, 退回, 审核, 删除, 恢复 (``surveys.reports``) and 绑定 / 解绑
  (``binding.services``, whose cases are bulk-created in the same transaction as the
  report): a post_save of ``Report``.

Each of them asks for the report's recomputation after the commit, and a transaction asks
once per report however many rows it saves: a request already registered with the
connection's on-commit callbacks (and not discarded by a rolled-back savepoint) is not
registered again. A change that is rolled back recomputes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from casesets.models import ImportBatch, ImportStatus, InterventionCase, ThrombolysisCase
from surveys.models import Report


class Recompute:
    """The on-commit callback of one report (``report_id`` lets a second request find
    it)."""

    def __init__(self, report_id: int):
        self.report_id = report_id
        self.ran = False

    def __call__(self):
        from .services import recompute_report

        self.ran = True
        recompute_report(self.report_id)

    def __repr__(self):
        return f"Recompute(report_id={self.report_id})"


def schedule_recompute(report_id: int | None, using: str | None = None) -> None:
    """Recompute ``report_id``'s indicators after the current transaction commits (at once
    outside one), once per transaction."""
    if report_id is None:
        return
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        for _savepoints, callback, _robust in connection.run_on_commit:
            if (
                isinstance(callback, Recompute)
                and callback.report_id == report_id
                and not callback.ran  # (a test's captured callbacks ran, yet stay listed)
            ):
                return
    # robust: a failing computation is logged and never undoes or fails the change itself.
    transaction.on_commit(Recompute(report_id), using=using, robust=True)


def report_changed(sender, instance, using=None, **kwargs):
    schedule_recompute(instance.pk, using)


def case_changed(sender, instance, using=None, **kwargs):
    schedule_recompute(instance.report_id, using)


def import_saved(sender, instance, using=None, **kwargs):
    if instance.status == ImportStatus.IMPORTED:
        schedule_recompute(instance.report_id, using)


def connect() -> None:
    """Called once, from ``QualityConfig.ready``."""
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(report_changed, sender=Report, dispatch_uid=f"quality.report_{name}")
        for model in (ThrombolysisCase, InterventionCase):
            signal.connect(
                case_changed, sender=model, dispatch_uid=f"quality.{model.__name__}_{name}"
            )
    post_save.connect(import_saved, sender=ImportBatch, dispatch_uid="quality.import_save")

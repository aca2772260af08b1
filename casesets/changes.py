"""退回后的修改 (issue 22 item 3): a report as it is now against the version the auditor
returned — its state at its latest 退回. The 总表 items whose value changed
(``surveys.changes``) and, for each attachment, the case counts then and now and the cases
added, changed (field by field, old → new) and removed, named by 住院号. The auditors'
report page and the hospital's 查看详情 show the same comparison.

Bounded whatever the number of cases: the cases saved since the 退回 are those with a
later ``updated_at`` (every save sets it, an Excel import too); only their rows are read,
and their state at the 退回 comes from the latest history row at or before it — one query
per history table, none per case. A case saved before the 退回 and not since is the same
then and now. An Excel import keeps no history row per case (its ``ImportBatch`` stands
for them), so a case imported before the 退回 and changed since is known to be changed,
not what it held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Max
from django.utils.translation import gettext as _

from surveys.basic_info import FieldChange
from surveys.changes import last_return, survey_changes
from surveys.models import Report, ReportTransition

from .history import display
from .specs import ATTACHMENT2, ATTACHMENT3, CaseSpec

# At most this many cases are listed per kind of change (a new import can change thousands);
# the counts are exact, the rest is named by its number.
CASES_LISTED = 100


@dataclass
class CaseChange:
    """One case added, changed or removed since the 退回."""

    admission_no: str
    changes: list[FieldChange] = field(default_factory=list)
    # Imported before the 退回 and changed since: what it held then was not recorded.
    before_unknown: bool = False


@dataclass
class CaseChanges:
    """One attachment's cases since the 退回. The lists hold at most ``CASES_LISTED``
    cases each; the ``*_count`` fields count them all."""

    spec: CaseSpec
    count_then: int
    count_now: int
    added: list[CaseChange]
    changed: list[CaseChange]
    removed: list[CaseChange]
    added_count: int
    changed_count: int
    removed_count: int

    @property
    def title(self) -> str:
        """附件3 单纯静脉溶栓个案."""
        return _("附件%(n)s %(title)s") % {"n": self.spec.attachment, "title": self.spec.case_title}

    @property
    def any(self) -> bool:
        return bool(self.added_count or self.changed_count or self.removed_count)

    @property
    def added_unlisted(self) -> int:
        return self.added_count - len(self.added)

    @property
    def changed_unlisted(self) -> int:
        return self.changed_count - len(self.changed)

    @property
    def removed_unlisted(self) -> int:
        return self.removed_count - len(self.removed)


@dataclass
class ReturnChanges:
    """A report now against its state at ``returned`` (its latest 退回)."""

    returned: ReportTransition
    survey: list[FieldChange]
    cases: list[CaseChanges]

    @property
    def nothing(self) -> bool:
        """退回后没有修改."""
        return not self.survey and not any(kind.any for kind in self.cases)


def _field_changes(spec: CaseSpec, before: dict, after: dict) -> list[FieldChange]:
    return [
        FieldChange(
            str(spec.column(name).label),
            display(spec, name, before[name]),
            display(spec, name, after[name]),
        )
        for name in spec.input_names
        if before[name] != after[name]
    ]


ADDED, CHANGED, REMOVED = "added", "changed", "removed"


def _kind(names, before: dict | None, now: dict, moment) -> str | None:
    """How a case saved since ``moment`` differs: added, changed, removed or not at all.
    ``before`` is its history row as of ``moment`` (``None``: none by then)."""
    if before is not None:
        alive_then = before["history_type"] != "-" and before["deleted_at"] is None
    else:
        # No history row by then: imported before the 退回 (alive then), or new since.
        alive_then = now["created_at"] <= moment
    alive_now = now["deleted_at"] is None
    if alive_then and alive_now:
        if before is None or any(before[name] != now[name] for name in names):
            return CHANGED
        return None
    if alive_now:
        return ADDED
    return REMOVED if alive_then else None


def _case_change(spec: CaseSpec, kind: str, before: dict | None, now: dict) -> CaseChange:
    if kind == ADDED:
        return CaseChange(now["admission_no"])
    if kind == REMOVED:
        return CaseChange((before or now)["admission_no"])
    if before is None:
        return CaseChange(now["admission_no"], before_unknown=True)
    return CaseChange(now["admission_no"], _field_changes(spec, before, now))


def case_changes(spec: CaseSpec, report: Report, moment) -> CaseChanges:
    """``spec``'s cases of ``report`` now against ``moment``, in three queries: the live
    count, the cases saved since, and their history rows as of ``moment``."""
    model = spec.model
    names = list(spec.input_names)
    cases = model.objects.filter(report_id=report.pk)
    count_now = cases.alive().count()
    touched = cases.filter(updated_at__gt=moment)
    latest = (
        model.history.filter(id__in=touched.values("id"), history_date__lte=moment)
        .order_by()
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    then = {
        row["id"]: row
        for row in model.history.filter(history_id__in=latest).values(
            "id", "history_type", "deleted_at", *names
        )
    }
    found = {ADDED: [], CHANGED: [], REMOVED: []}
    for now in touched.order_by("id").values("id", "created_at", "deleted_at", *names):
        before = then.get(now["id"])
        kind = _kind(names, before, now, moment)
        if kind is not None:
            found[kind].append((before, now))
    # Counted all, worded only as many as are listed.
    listed = {
        kind: [_case_change(spec, kind, before, now) for before, now in pairs[:CASES_LISTED]]
        for kind, pairs in found.items()
    }
    return CaseChanges(
        spec=spec,
        count_then=count_now - len(found[ADDED]) + len(found[REMOVED]),
        count_now=count_now,
        added=listed[ADDED],
        changed=listed[CHANGED],
        removed=listed[REMOVED],
        added_count=len(found[ADDED]),
        changed_count=len(found[CHANGED]),
        removed_count=len(found[REMOVED]),
    )


def changes_since_return(report: Report) -> ReturnChanges | None:
    """``report`` now against its state at its latest 退回; ``None`` when it was never
    returned. While it is 已退回 these are the changes so far; once submitted again, what
    the auditor has to look at. A constant number of queries (about eight)."""
    returned = last_return(report)
    if returned is None:
        return None
    return ReturnChanges(
        returned=returned,
        survey=survey_changes(report, returned.at),
        cases=[case_changes(spec, report, returned.at) for spec in (ATTACHMENT3, ATTACHMENT2)],
    )

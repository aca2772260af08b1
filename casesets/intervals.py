"""The derived intervals of DATA_DICTIONARY §7.4, in minutes: computed from the case's
times, stored for listing and filtering, never typed by the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Interval:
    name: str  # the model field that stores it
    start: str  # the time field it starts at
    end: str  # the time field it ends at
    label: str


ODT = Interval("odt_minutes", "onset_at", "arrival_at", _("ODT（发病至到院，分钟）"))
DNT = Interval("dnt_minutes", "arrival_at", "needle_at", _("DNT（到院至溶栓，分钟）"))
ONT = Interval("ont_minutes", "onset_at", "needle_at", _("ONT（发病至溶栓，分钟）"))
DPT = Interval("dpt_minutes", "arrival_at", "puncture_at", _("DPT（到院至动脉穿刺，分钟）"))
OPT = Interval("opt_minutes", "onset_at", "puncture_at", _("OPT（发病至动脉穿刺，分钟）"))


def minutes_between(start: datetime.datetime | None, end: datetime.datetime | None) -> int | None:
    """Whole minutes from ``start`` to ``end`` (negative if ``end`` is earlier); ``None``
    when either time is blank (``None`` or, as the rules may receive it, ``""``)."""
    if start is None or end is None or start == "" or end == "":
        return None
    return int((end - start).total_seconds() // 60)


def interval_minutes(interval: Interval, values) -> int | None:
    """``interval`` computed from a mapping of field name → value."""
    return minutes_between(values.get(interval.start), values.get(interval.end))

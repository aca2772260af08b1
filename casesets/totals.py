"""总表 ↔ case lists (DATA_DICTIONARY §7.3 items 8–12).

The 总表 items a report's cases determine are counted in the database (one aggregate query
per attachment). At 提交 each filled item that differs from its count is a warning the user
confirms (Decision 5: a hospital may report cases it has not itemised), given to
``surveys.reports.submission_check`` through its signal ``submission_warnings``;
"用个案汇总填充" writes the counts into the 总表 (``services.fill_survey_from_cases``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.editions import get_edition
from surveys.reports import SubmitWarning

from .models import InterventionCase, ThrombolysisCase, ThrombolyticDrug, TreatmentMode

# §7.3 item 11: improved = NIHSS down by ≥ 4 points, or 0 at discharge ("功能缺失完全恢复");
# a patient who died (mRS 6) counts as not improved, whatever NIHSS was recorded.
IMPROVED = ~Q(mrs_discharge=6) & (Q(nihss_discharge=0) | Q(nihss_discharge__lte=F("nihss_pre") - 4))
MRS_0_2 = Q(mrs_discharge__lte=2)


def _drug(*codes):
    return Q(thrombolytic_drug__in=codes)


@dataclass(frozen=True)
class Derivation:
    """One 总表 item counted from one attachment's cases."""

    code: str  # the 总表 item
    model: type
    condition: Q | None  # which cases count (None: all)
    counted: str  # what is counted, for messages: "…中%(counted)s有N例"
    source: str


IVT, EVT = gettext_lazy("单纯静脉溶栓个案"), gettext_lazy("血管内介入治疗个案")

DERIVATIONS = (
    Derivation("ivt_total", ThrombolysisCase, None, gettext_lazy("共"), "§7.3-8"),
    Derivation("ivt_nihss_improved", ThrombolysisCase, IMPROVED,
               gettext_lazy("治疗前后NIHSS评分改善≥4分或出院时NIHSS评分为0（死亡除外）的"),
               "§7.3-11"),
    Derivation("ivt_mrs_0_2", ThrombolysisCase, MRS_0_2, gettext_lazy("出院时mRS评分≤2分的"),
               "§7.3-10"),
    Derivation("ivt_alteplase", ThrombolysisCase, _drug(ThrombolyticDrug.ALTEPLASE),
               gettext_lazy("溶栓药为阿替普酶的"), "§7.3-9"),
    Derivation("ivt_urokinase", ThrombolysisCase, _drug(ThrombolyticDrug.UROKINASE),
               gettext_lazy("溶栓药为尿激酶的"), "§7.3-9"),
    Derivation("ivt_tenecteplase", ThrombolysisCase, _drug(ThrombolyticDrug.TENECTEPLASE),
               gettext_lazy("溶栓药为替奈普酶的"), "§7.3-9"),
    Derivation("ivt_prourokinase", ThrombolysisCase, _drug(ThrombolyticDrug.PROUROKINASE),
               gettext_lazy("溶栓药为重组人尿激酶原的"), "§7.3-9"),
    # The 总表 has no 瑞替普酶 item: it is one of the 其他溶栓药 there.
    Derivation("ivt_other_drug", ThrombolysisCase,
               _drug(ThrombolyticDrug.RETEPLASE, ThrombolyticDrug.OTHER),
               gettext_lazy("溶栓药为瑞替普酶或其他的"), "§7.3-9"),
    Derivation("evt_total", InterventionCase, None, gettext_lazy("共"), "§7.3-8"),
    Derivation("evt_direct", InterventionCase, Q(evt_mode=TreatmentMode.DIRECT),
               gettext_lazy("治疗方式为单纯取栓的"), "§7.3-12"),
    Derivation("evt_bridging", InterventionCase, Q(evt_mode=TreatmentMode.BRIDGING),
               gettext_lazy("治疗方式为桥接的"), "§7.3-12"),
    Derivation("evt_nihss_improved", InterventionCase, IMPROVED,
               gettext_lazy("治疗前后NIHSS评分改善≥4分或出院时NIHSS评分为0（死亡除外）的"),
               "§7.3-11"),
    Derivation("evt_mrs_0_2", InterventionCase, MRS_0_2, gettext_lazy("出院时mRS评分≤2分的"),
               "§7.3-10"),
)  # fmt: skip

WARNING_PREFIX = "cases_"


def case_totals(report) -> dict[str, int]:
    """Every derivable 总表 item counted from ``report``'s live cases: one aggregate query
    per attachment."""
    totals = {}
    for model in (ThrombolysisCase, InterventionCase):
        derivations = [d for d in DERIVATIONS if d.model is model]
        aggregates = {d.code: Count("id", filter=d.condition) for d in derivations}
        totals.update(model.objects.alive().filter(report_id=report.pk).aggregate(**aggregates))
    return totals


def survey_values_from_cases(report) -> dict[str, int]:
    """The 总表 items of the report's edition that the cases determine, with their counts
    (what "用个案汇总填充" writes)."""
    codes = set(get_edition(report.edition).codes)
    return {code: n for code, n in case_totals(report).items() if code in codes}


def _title(derivation: Derivation) -> str:
    return str(IVT if derivation.model is ThrombolysisCase else EVT)


def survey_case_warnings(report) -> list[SubmitWarning]:
    """§7.3 items 8–12: each filled 总表 item that differs from the count of the cases, as
    a warning to confirm at 提交 (id ``cases_<item>``, stable). A blank item is not
    compared (blank is not 0; its own 总表 error says so); an attachment without any case
    gives one warning, on its 总例数."""
    values = report.values or {}
    if not values:
        return []
    edition = get_edition(report.edition)
    totals = case_totals(report)
    # An attachment without any case says so once (its total), not once per item.
    unitemised = {d.model for d in DERIVATIONS if d.condition is None and totals[d.code] == 0}
    warnings = []
    for derivation in DERIVATIONS:
        code = derivation.code
        if code not in edition.codes or values.get(code) is None:
            continue
        if derivation.model in unitemised and derivation.condition is not None:
            continue
        stated, counted = values[code], totals[code]
        if stated == counted:
            continue
        message = _(
            "总表“%(item)s”填写为%(stated)s例，而%(title)s登记中%(counted_what)s有%(counted)s例，"
            "两者不一致。请核对；如总表包含未逐例登记的病例，请确认（也可用“用个案汇总填充”"
            "按个案重新填写总表）。"
        ) % {
            "item": edition.name_of(code),
            "stated": stated,
            "title": _title(derivation),
            "counted_what": derivation.counted,
            "counted": counted,
        }
        warnings.append(SubmitWarning(f"{WARNING_PREFIX}{code}", message))
    return warnings


def case_warnings_at_submission(sender, report, **kwargs) -> list[SubmitWarning]:
    """``survey_case_warnings`` as the receiver of ``surveys.reports.submission_warnings``
    (connected in ``casesets.apps``): 提交 asks it under the report lock."""
    return survey_case_warnings(report)


@dataclass(frozen=True)
class FillRow:
    """One line of the "用个案汇总填充" confirmation: the item, its 总表 value now (``None``
    when blank) and the count of the cases."""

    code: str
    name: str
    current: int | None
    from_cases: int

    @property
    def changes(self) -> bool:
        return self.current != self.from_cases


def survey_fill_preview(report) -> list[FillRow]:
    """What "用个案汇总填充" would change, for the page that asks the user to confirm."""
    edition = get_edition(report.edition)
    values = report.values or {}
    return [
        FillRow(code, edition.name_of(code), values.get(code), n)
        for code, n in survey_values_from_cases(report).items()
    ]

"""All the indicators of ONE report, from its live cases and its 总表 (``indicators``
declares them; nothing here decides what an indicator is).

Two queries, whatever the number of cases: one ``.values()`` pass per attachment over the
columns the indicators read (``indicators.columns_for``); the 总表 items come with the
report. The rest is Python: a 20,000-case report computes in well under a second.

Medians are ``statistics.median``; Q1 and Q3 are ``statistics.quantiles(values, n=4,
method="inclusive")`` — the quartiles of Excel's QUARTILE.INC and numpy's default linear
method (with one value, Q1 = Q3 = that value).

Each indicator gives a plain mapping (stored as JSON in ``ReportIndicators.values``):

``value``       the number (cases; minutes; or % for proportions and rates), ``None``
                when nothing can be computed
``n``           cases in the computation (after exclusions); for a rate, the denominator
``numerator``, ``denominator``   proportions and rates (else ``None``)
``q1``, ``q3``  medians (else ``None``)
``eligible``    cases the indicator is about; ``filled`` those of them with the inputs
                filled (completeness = filled / eligible); ``excluded`` filled cases left
                out by an exclusion
"""

from __future__ import annotations

import statistics

from surveys.editions import EDITIONS

from . import indicators as ind


def _result(**values) -> dict:
    result = dict.fromkeys(
        ("value", "n", "numerator", "denominator", "q1", "q3", "eligible", "filled", "excluded")
    )
    result.update(values)
    return result


def quartiles(values: list) -> tuple[float, float, float]:
    """(Q1, median, Q3) of ``values`` (not empty), inclusive method."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def _number(value):
    """An integral float as an int (a median of whole minutes usually is one)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def selected(indicator: ind.Indicator, rows: list) -> tuple[list, dict]:
    """The rows that go into ``indicator`` and the counts of how they were chosen
    (eligible, filled, excluded, n)."""
    population, exclusions = indicator.population, indicator.exclusions
    eligible = filled = excluded = 0
    kept = []
    for row in rows:
        if population is not None and not population(row):
            continue
        eligible += 1
        if not indicator.is_filled(row):
            continue
        filled += 1
        if exclusions and any(exclusion.applies(row) for exclusion in exclusions):
            excluded += 1
            continue
        kept.append(row)
    counts = {"eligible": eligible, "filled": filled, "excluded": excluded, "n": len(kept)}
    return kept, counts


def case_indicator(indicator: ind.Indicator, rows: list, selections=None) -> dict:
    """One case-based indicator over the rows of its attachment (``selections``: a dict
    shared by the indicators of one report, so that those choosing their cases alike
    choose them once)."""
    if indicator.kind == ind.COUNT:
        count = len(rows)
        return _result(value=count, n=count, eligible=count, filled=count, excluded=0)
    if selections is None:
        selections = {}
    key = indicator.selection
    if key not in selections:
        selections[key] = selected(indicator, rows)
    kept, counts = selections[key]
    if indicator.kind == ind.MEDIAN:
        values = [indicator.value_of(row) for row in kept]
        if not values:
            return _result(**counts)
        q1, median, q3 = quartiles(values)
        return _result(value=_number(median), q1=_number(q1), q3=_number(q3), **counts)
    numerator = indicator.numerator
    hits = sum(1 for row in kept if numerator(row))
    denominator = len(kept)
    value = hits * 100 / denominator if denominator else None
    return _result(value=value, numerator=hits, denominator=denominator, **counts)


def survey_indicator(indicator: ind.Indicator, report) -> dict:
    """A 总表 rate, when the report's edition has its items; blank is not 0."""
    edition = EDITIONS.get(report.edition)
    if edition is None or not set(indicator.survey_items) <= set(edition.codes):
        return _result(eligible=0, filled=0, excluded=0, n=0)
    values = report.values or {}
    items = [values.get(code) for code in indicator.survey_items]
    if any(value is None or value == "" for value in items):
        return _result(eligible=1, filled=0, excluded=0, n=0)
    numerator = sum(int(values[code]) for code in indicator.survey_numerator)
    denominator = int(values[indicator.survey_denominator])
    value = numerator * 100 / denominator if denominator else None
    return _result(
        value=value,
        n=denominator,
        numerator=numerator,
        denominator=denominator,
        eligible=1,
        filled=1,
        excluded=0,
    )


def case_rows(source_kind: str, report) -> list[dict]:
    """The report's live cases of one attachment, only the columns the indicators read
    (one query)."""
    model = ind.CASE_SOURCES[source_kind]
    columns = ind.columns_for(source_kind) or ("id",)
    return list(model.objects.of_report(report).order_by().values(*columns))


def compute_indicators(report) -> dict[str, dict]:
    """``{code: {value, n, numerator, denominator, q1, q3, eligible, filled, excluded}}``
    for every declared indicator of ``report`` (two queries)."""
    rows = {kind: case_rows(kind, report) for kind in ind.CASE_SOURCES}
    selections = {}
    results = {}
    for indicator in ind.INDICATORS:
        if indicator.source_kind == ind.SURVEY:
            results[indicator.code] = survey_indicator(indicator, report)
        else:
            rows_of = rows[indicator.source_kind]
            results[indicator.code] = case_indicator(indicator, rows_of, selections)
    return results

"""Only ``surveys`` writes a ``Report`` or a ``ReportTransition`` (issue 20 item 2): every other
app changes a report through the services of ``surveys.reports`` (``locked_for_change``,
``create_legacy_report``, ``delete_legacy_report``, …), which lock the row, check the state
and keep the history. Held here in pure Python (``ast``), in the manner of
``test_static_rules.py``.

Outside ``surveys``, the rule finds:

1. ``Report(…)`` or ``ReportTransition(…)``: a new row;
2. a write through their manager or a queryset of them — ``Report.objects.create(…)``,
   ``Report.objects.filter(…).update(…)``, ``.bulk_create``, ``.delete()``, … — or through a
   report's ``transitions``, or ``bulk_create_with_history(…, Report)``;
3. ``.save()`` or ``.delete()`` on a report: a name bound to one in the function (from an
   expression that starts at ``Report``, or a parameter annotated ``Report``), a name
   ``report`` or ``…_report``, or an attribute ``….report`` / ``….bound_report``.

Each rule is first shown to catch a bad snippet, then run over the whole code base.
"""

import ast

from tests.test_static_rules import ROOT, app_modules

MODELS = {"Report", "ReportTransition"}
WRITES = {
    "create",
    "bulk_create",
    "update",
    "bulk_update",
    "delete",
    "get_or_create",
    "update_or_create",
}
HISTORY_WRITES = {"bulk_create_with_history", "bulk_update_with_history"}
SAVES = {"save", "delete"}


def _root(node):
    """The leftmost name of ``A.b(…).c[…].d``, or ``None``."""
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _attributes(node):
    """The attribute names along the chain ``a.b(…).c`` (``["c", "b"]``)."""
    names = []
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    return names


def _is_report_name(name):
    return name == "report" or name.endswith("_report")


def _annotated_report(annotation):
    """``Report``, ``Report | None``, ``"Report"``, ``models.Report``."""
    if annotation is None:
        return False
    return any(
        (isinstance(node, ast.Name) and node.id == "Report")
        or (isinstance(node, ast.Attribute) and node.attr == "Report")
        or (isinstance(node, ast.Constant) and node.value == "Report")
        for node in ast.walk(annotation)
    )


def _bound_reports(function):
    """Names ``function`` binds to a report: its parameters annotated ``Report`` and the
    names assigned an expression that starts at ``Report``."""
    arguments = function.args
    names = {
        argument.arg
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
        if _annotated_report(argument.annotation)
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and _root(node.value) == "Report":
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _annotated_report(node.annotation) or (
                node.value is not None and _root(node.value) == "Report"
            ):
                names.add(node.target.id)
    return names


def _saves_a_report(call, bound):
    """``call`` is ``x.save()`` or ``x.delete()`` on a report (rule 3)."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in SAVES):
        return False
    target = call.func.value
    if isinstance(target, ast.Name):
        return target.id in bound or _is_report_name(target.id)
    return isinstance(target, ast.Attribute) and _is_report_name(target.attr)


def report_writes(tree):
    """Lines that write a ``Report`` or a ``ReportTransition`` (rules 1–3)."""
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in MODELS:  # 1
            found.add(node.lineno)
        elif isinstance(func, ast.Attribute) and func.attr in WRITES:  # 2
            chain = _attributes(func.value)
            if (_root(func) in MODELS and "objects" in chain) or "transitions" in chain:
                found.add(node.lineno)
        elif name in HISTORY_WRITES and any(
            isinstance(arg, ast.Name) and arg.id in MODELS for arg in node.args
        ):
            found.add(node.lineno)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in functions:  # 3
        bound = _bound_reports(function)
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and _saves_a_report(node, bound):
                found.add(node.lineno)
    return sorted(found)


BAD = """
def bind(record, institution, user):
    report = Report(institution=institution, data_year=record.data_year)
    report.save()
    ReportTransition.objects.create(report=report, action="delete")
    models.ReportTransition(report=report).save()
    Report.objects.filter(pk=report.pk).update(status="approved")
    Report.objects.create(institution=institution, data_year=2025)
    report.transitions.create(action="delete")
    bulk_create_with_history([report], Report)


def unbind(record, user):
    fresh = Report.objects.select_for_update().get(pk=record.bound_report_id)
    fresh.deleted_at = now()
    fresh.save()
    record.bound_report.delete()


def stamp(locked: Report | None, user):
    locked.save(update_fields=["status"])
    Report.objects.alive().delete()
"""

GOOD = """
def bind(record, institution, user):
    report = create_legacy_report(institution=institution, user=user)
    taken = Report.objects.of_institution(institution.pk).filter(data_year=2025).first()
    record.bound_report = report
    record.save(update_fields=["bound_report"])
    case = ThrombolysisCase(report=report)
    case.save()
    ThrombolysisCase.objects.filter(report=report).update(updated_by=user)
    BindingLog.objects.create(report=report, user=user)
    batch.delete()
    values.update({"report": report.pk})
    return taken
"""


def test_the_rule_catches_the_bad_snippet():
    assert report_writes(ast.parse(BAD)) == [3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 21, 22]


def test_reads_and_other_models_pass():
    assert report_writes(ast.parse(GOOD)) == []


def test_only_surveys_writes_a_report():
    found = {
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in app_modules()
        if path.relative_to(ROOT).parts[0] != "surveys"
        for line in report_writes(ast.parse(path.read_text()))
    }
    assert not found, sorted(found)


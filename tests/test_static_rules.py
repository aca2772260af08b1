"""The local Django rules of ``.semgrep/django.yml``, enforced in pure Python (``ast``) so
that CI holds them whether or not semgrep is installed (issue 9 item 9; checklist 3.1, 7.2,
7.6):

1. no ``Model.objects.get(pk=…)`` (or ``id=``) in a views module: objects a view reaches
   come through a helper scoped to the user's institution;
2. ``@csrf_exempt`` only on a view that installs upload handlers and hands over to a
   ``@csrf_protect`` function of the same module;
3. ``mark_safe`` only on a string literal;
4. (issue 20 item 3) a report, or anything reached through one — case, Excel import,
   附件4 scan — is looked up only through ``visible_to(user)`` or an object already got
   that way (``report.scans``, ``of_report(report)``): no ``get_object_or_404(Model, …)``
   or ``Model.objects.get(…)`` on those models anywhere in the apps. (Re-reading an object
   one holds, under a lock — ``select_for_update().get(pk=obj.pk)`` — is not a lookup.)

Each rule is first shown to catch a bad snippet, then run over the whole code base.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "institutions",
    "surveys",
    "casesets",
    "binding",
    "excel_templates",
    "quality",
    "registry",
    "audit",
)
SCOPED_KEYWORDS = {"pk", "id", "pk__exact", "id__exact"}


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def is_views_module(path):
    return path.name == "views.py" or path.parent.name == "views" or path.stem.endswith("_views")


def _name(node):
    """``csrf_exempt`` for ``csrf_exempt``, ``x.csrf_exempt`` and ``csrf_exempt(...)``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def unscoped_gets(tree):
    """Lines of ``<anything>.objects.get(pk=…)``."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "objects"
        and any(keyword.arg in SCOPED_KEYWORDS for keyword in node.keywords)
    ]


# The root objects of a report and what hangs off it (``surveys.models.report_visibility``).
REPORT_ROOTED = {"Report", "ReportScan", "ThrombolysisCase", "InterventionCase", "ImportBatch"}


def _root(node):
    """The leftmost name of ``A.b.c(…).d``, or ``"model"`` for ``<anything>.model.…``
    (a case model picked by its attachment, ``spec.model``)."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr == "model":
                return "model"
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else None


def _calls(node):
    """The names of the methods called along the chain ``A.b(…).c(…)``."""
    names = []
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            names.append(node.func.attr)
        node = node.func if isinstance(node, ast.Call) else node.value
    return names


def unscoped_report_lookups(tree):
    """Lines that look a report-rooted object up without ``visible_to``."""
    rooted = REPORT_ROOTED | {"model"}
    findings = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _name(node.func) == "get_object_or_404" and node.args:
            source = node.args[0]
            if _root(source) in rooted and not {"visible_to", "of_report"} & set(_calls(source)):
                findings.append(node.lineno)
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "objects"
            and _root(node.func.value) in rooted
        ):
            findings.append(node.lineno)
    return findings


def unprotected_csrf_exempt(tree):
    """Lines of ``@csrf_exempt`` functions that call no ``@csrf_protect`` function of the
    module."""
    functions = [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    protected = {
        function.name
        for function in functions
        if any(_name(d) == "csrf_protect" for d in function.decorator_list)
    }
    exempt_calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _name(node.func) == "csrf_exempt"
        and not isinstance(node.func, ast.Call)
    ]
    findings = exempt_calls
    for function in functions:
        if not any(_name(d) == "csrf_exempt" for d in function.decorator_list):
            continue
        called = {_name(node.func) for node in ast.walk(function) if isinstance(node, ast.Call)}
        if not called & protected:
            findings.append(function.lineno)
    return findings


def unsafe_mark_safe(tree):
    """Lines of ``mark_safe(x)`` where ``x`` is not a string literal."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _name(node.func) == "mark_safe"
        and not (
            len(node.args) == 1
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        )
    ]


BAD = """
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt, csrf_protect


def detail(request, pk):
    report = Report.objects.get(pk=pk)
    scoped = Report.objects.of_institution(1).get(pk=pk)
    return mark_safe(report.name + "<b>")


@csrf_exempt
def hook(request):
    return helper(request)


@csrf_exempt
def upload(request):
    request.upload_handlers.insert(0, None)
    return _upload(request)


@csrf_protect
def _upload(request):
    return mark_safe("<br>")


webhook = csrf_exempt(detail)


def lookups(user, report, public_id, kind):
    get_object_or_404(Report, public_id=public_id)
    get_object_or_404(ImportBatch.objects.select_related("report"), public_id=public_id)
    SPECS[kind].model.objects.get(public_id=public_id)
    ReportScan.objects.get(report=report, position=1)
    get_object_or_404(Report.objects.visible_to(user), public_id=public_id)
    get_object_or_404(report.scans, public_id=public_id)
    get_object_or_404(SPECS[kind].model.objects.of_report(report), public_id=public_id)
    Report.objects.select_for_update().get(pk=report.pk)
"""


def test_the_rules_catch_the_bad_snippet():
    tree = ast.parse(BAD)

    assert unscoped_gets(tree) == [7]
    assert sorted(unprotected_csrf_exempt(tree)) == [13, 28]
    assert unsafe_mark_safe(tree) == [9]
    assert unscoped_report_lookups(tree) == [7, 32, 33, 34, 35]


@pytest.mark.parametrize(
    ("rule", "applies"),
    [
        (unscoped_gets, is_views_module),
        (unprotected_csrf_exempt, lambda path: True),
        (unsafe_mark_safe, lambda path: True),
        (unscoped_report_lookups, lambda path: True),
    ],
    ids=["unscoped-get-in-views", "csrf-exempt", "mark-safe-non-literal", "report-visibility"],
)
def test_the_code_base_follows_the_rule(rule, applies):
    findings = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in app_modules()
        if applies(path)
        for line in rule(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    ]

    assert findings == []


def test_the_scan_covers_the_views_modules():
    views = [path for path in app_modules() if is_views_module(path)]

    assert len(views) >= 10
    assert ROOT / "surveys" / "views" / "reports.py" in views

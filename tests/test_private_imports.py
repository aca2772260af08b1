"""No app imports another app's private names (issue 20 item 1): a name that starts with an
underscore, or a module whose path has such a part, is for its own app only. import-linter
checks the graph of modules (``[tool.importlinter]`` in ``pyproject.toml``), not names, so this
rule is held here, in the manner of ``test_static_rules.py``.

Each rule is first shown to catch a bad snippet, then run over the whole code base.
"""

import ast

from tests.test_static_rules import APPS, ROOT, app_modules

# Private imports that remain until the change named next to them, as (file, module, name).
# A new one fails the test; fix it by giving the other app a public function.
KNOWN: set[tuple[str, str, str]] = set()


def _private(part):
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def private_imports(tree, app):
    """``(module, name)`` of every import of another app's private module or name."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] not in APPS or parts[0] == app:
                continue
            for alias in node.names:
                if any(_private(p) for p in parts[1:]) or _private(alias.name):
                    found.append((node.module, alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in APPS and parts[0] != app and any(_private(p) for p in parts[1:]):
                    found.append((alias.name, ""))
    return found


BAD = """
from surveys.reports import _locked, lock_reason
from binding._private import helper
import casesets._internal.x
from casesets import __version__
from .models import _own
"""


def test_the_rule_catches_the_bad_snippet():
    assert private_imports(ast.parse(BAD), "excel_templates") == [
        ("surveys.reports", "_locked"),
        ("binding._private", "helper"),
        ("casesets._internal.x", ""),
    ]


def test_an_app_may_use_its_own_private_names():
    tree = ast.parse("from excel_templates.cells import _CONTROL")
    assert private_imports(tree, "excel_templates") == []


def test_no_app_imports_another_apps_private_names():
    found = set()
    for path in app_modules():
        app = path.relative_to(ROOT).parts[0]
        for module, name in private_imports(ast.parse(path.read_text()), app):
            found.add((path.relative_to(ROOT).as_posix(), module, name))
    assert found <= KNOWN, sorted(found - KNOWN)

"""Every static file a template names exists: in production (hashed static files) a
``{% static %}`` of a missing file raises ValueError, a 500 on the page (issue 23: the
数据概览 named Django's ``admin/css/changelist.css``, which is ``changelists.css``)."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parent.parent
STATIC_TAG = re.compile(r"""\{%\s*static\s+(['"])([^'"]+)\1""")


def test_every_static_file_named_by_a_template_exists():
    missing = []
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    assert templates
    for template in templates:
        for _quote, path in STATIC_TAG.findall(template.read_text(encoding="utf-8")):
            if finders.find(path) is None:
                missing.append(f"{template.relative_to(ROOT)}: {path}")
    assert missing == []

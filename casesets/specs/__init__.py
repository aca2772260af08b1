"""附件2 and 附件3 declared once, as data: their columns and their rules (``base`` says
what a declaration holds; one module per attachment declares it).

The online forms are built from these declarations now; the Excel template and importer of
the next issue are to be built from the same ones.
"""

from .attachment2 import ATTACHMENT2
from .attachment3 import ATTACHMENT3
from .base import BY_HAND, IMPORT, CaseRule, CaseSpec, Column

__all__ = [
    "ATTACHMENT2",
    "ATTACHMENT3",
    "BY_HAND",
    "IMPORT",
    "OTHER_KIND",
    "SPECS",
    "CaseRule",
    "CaseSpec",
    "Column",
    "spec_for",
]

SPECS: dict[str, CaseSpec] = {spec.kind: spec for spec in (ATTACHMENT3, ATTACHMENT2)}
OTHER_KIND = {"thrombolysis": "intervention", "intervention": "thrombolysis"}


def spec_for(case_or_model) -> CaseSpec:
    """The attachment a case (or case model) belongs to."""
    model = case_or_model if isinstance(case_or_model, type) else type(case_or_model)
    for spec in SPECS.values():
        if spec.model is model:
            return spec
    raise KeyError(model)

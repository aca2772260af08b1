"""The one cell converter (issue 20 item 1): the template import and the legacy import read a
coded cell through the same table of words."""

from binding.importer import _choice
from binding.legacy_format import CASE_SPECS
from casesets.specs import ATTACHMENT2, ATTACHMENT3
from excel_templates.converter import CaseConverter, choice_codes


def _read(spec, name, raw):
    return CaseConverter(spec).convert(spec.column(name), raw)


def test_a_drug_typed_by_its_abbreviation_is_read_as_its_code():
    assert _read(ATTACHMENT3, "thrombolytic_drug", "rt-PA") == "alteplase"


def test_a_drug_alias_is_read_alike_by_the_legacy_import():
    spec = CASE_SPECS["thrombolysis"]
    assert _choice(spec, spec.column("thrombolytic_drug"), "ＴＮＫ") == "tenecteplase"


def test_labels_are_read_whatever_their_width_spaces_and_case():
    assert _read(ATTACHMENT3, "thrombolytic_drug", " 阿替 普酶 ") == "alteplase"
    assert _read(ATTACHMENT3, "thrombolytic_drug", "Alteplase") == "alteplase"


def test_the_old_platforms_words_for_the_mode_stay_with_the_legacy_import():
    spec = CASE_SPECS["intervention"]
    assert _choice(spec, spec.column("evt_mode"), "桥接治疗") == "bridging"
    assert "桥接治疗" not in choice_codes(ATTACHMENT2.column("evt_mode"))


def test_an_unknown_word_is_kept_for_the_rules_to_refuse():
    assert _read(ATTACHMENT3, "thrombolytic_drug", "某药") == "某药"

"""The 2018 总表 edition: the 2018 form's columns K…AF, declared by reusing the 2025 items."""

from surveys.editions import CURRENT_EDITION, EDITIONS, get_edition
from surveys.editions.validation import validate_values

from .helpers import VALUES_2018


def column_letters():
    return [*"KLMNOPQRSTUVWXYZ", "AA", "AB", "AC", "AD", "AE", "AF"]


def test_it_is_registered_and_not_current():
    edition = get_edition("2018")

    assert EDITIONS["2018"] is edition
    assert CURRENT_EDITION.id == "2025"
    assert [g.code for g in edition.groups] == ["A", "B", "C"]


def test_its_items_are_the_2018_columns_and_the_2025_declarations():
    edition = get_edition("2018")

    assert [item.excel_column for item in edition.items] == column_letters()
    for item in edition.items:
        assert item is CURRENT_EDITION.item(item.code)
        assert item.required


def test_its_rules_read_only_its_items():
    edition = get_edition("2018")

    assert {rule.id for rule in edition.rules} >= {
        "ivt_drugs_within_total",
        "evt_modes_not_above_total",
    }
    assert all(set(rule.codes) <= set(edition.codes) for rule in edition.rules)


def test_a_complete_2018_report_is_valid_and_blank_is_not_zero():
    edition = get_edition("2018")

    assert validate_values(edition, VALUES_2018).is_valid
    blank = {**VALUES_2018, "evt_total": None}
    assert "evt_total" in validate_values(edition, blank).errors
    too_many = {**VALUES_2018, "ivt_alteplase": 3, "ivt_urokinase": 3}
    assert "ivt_total" in validate_values(edition, too_many).errors

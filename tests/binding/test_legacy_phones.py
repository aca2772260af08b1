"""Legacy contacts at rest and in search (issue 19 item 6): the 联系电话 of a legacy record is
stored encrypted like account mobiles, its search text and grams hold no phone digit, and a
phone finds its record only as the whole number — so no run of guesses at fragments can
complete a masked 138****5678."""

import hashlib

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts import crypto
from binding import importer
from binding.models import LegacyRecord
from binding.search import search_records

from .helpers import hospital_row, make_record, write_attachment1

SEARCH = reverse("binding:search")
MOBILE = "13812345678"
LANDLINE = "010-65295269"


@pytest.fixture
def records(db):
    return {
        "mobile": make_record("北京协和医院", director_phone=MOBILE),
        "landline": make_record("北京大学第一医院", director_phone=LANDLINE),
    }


def found(query):
    return [record.hospital_name for record in search_records(query)]


def stored(record, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM binding_legacyrecord WHERE id = %s", [record.pk])
        return cursor.fetchone()[0]


def test_the_stored_phone_is_not_the_number(records):
    column = stored(records["mobile"], "director_phone")

    assert column.startswith(crypto.PREFIX) and MOBILE not in column
    assert crypto.decrypt(column) == MOBILE
    assert stored(records["mobile"], "director_phone_hash") == crypto.blind_index(MOBILE)
    assert LegacyRecord.objects.get(pk=records["mobile"].pk).director_phone == MOBILE


def test_the_search_text_and_grams_hold_no_phone_digits(records):
    for record in records.values():
        for column in ("search_text", "search_grams"):
            text = stored(record, column)
            assert not any(char.isdigit() for char in text), (record, column, text)


@pytest.mark.parametrize(
    "fragment", ["5678", "1234 5678", "1381234", "138123456", "6529", "010-6529"]
)
def test_a_fragment_of_a_phone_finds_nothing(records, fragment):
    assert found(fragment) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (MOBILE, "北京协和医院"),
        ("138 1234 5678", "北京协和医院"),
        ("+86 138 1234 5678", "北京协和医院"),
        ("１３８１２３４５６７８", "北京协和医院"),  # full-width digits
        (LANDLINE, "北京大学第一医院"),
        ("01065295269", "北京大学第一医院"),  # typed without the dash
        ("协和 13812345678", "北京协和医院"),  # with a keyword
    ],
)
def test_the_whole_number_finds_the_record(records, query, expected):
    assert found(query) == [expected]


def test_a_whole_number_with_the_wrong_keyword_finds_nothing(records):
    assert found("北大 13812345678") == []


def test_the_results_show_the_phone_masked_as_before(client, alice, records):
    client.force_login(alice)

    page = client.post(SEARCH, {"q": MOBILE})

    assert "北京协和医院" in page.text and "138****5678" in page.text
    # The number is only where the user typed it, and never in a link.
    assert page.text.count(MOBILE) == 1 and f'value="{MOBILE}"' in page.text


def test_the_search_form_posts_so_a_phone_stays_out_of_urls(client, alice, records):
    client.force_login(alice)

    page = client.get(SEARCH)

    assert '<form method="post" action="/binding/search/"' in page.text


def test_the_admin_finds_a_record_by_the_whole_phone_only(auditor, records):
    desk = Client()
    desk.force_login(auditor)
    changelist = reverse("admin:binding_legacyrecord_changelist")

    whole = desk.get(changelist, {"q": MOBILE})
    fragment = desk.get(changelist, {"q": "5678"})

    assert "北京协和医院" in whole.text and "北京大学第一医院" not in whole.text
    assert "北京协和医院" not in fragment.text


@pytest.mark.usefixtures("regions")
def test_an_import_stores_the_phone_encrypted(tmp_path, db):
    write_attachment1(tmp_path, 2018, [hospital_row("北京协和医院", director_phone=13912345678)])

    importer.import_legacy(tmp_path)

    record = LegacyRecord.objects.get()
    assert record.director_phone == "13912345678"
    assert stored(record, "director_phone").startswith(crypto.PREFIX)
    assert "13912345678" not in stored(record, "search_text")
    assert found("13912345678") == ["北京协和医院"]


def test_the_content_fingerprint_is_keyed(settings):
    """A plain SHA-256 of content in which all but the phone is readable would give the
    phone away to anyone trying numbers against a copy of the database."""
    hospital = importer.Hospital(4, "甲医院", "甲医院", {"director_phone": MOBILE}, {}, [])
    digest = importer._fingerprint(2018, hospital, {})
    plain = hashlib.sha256(
        b'{"cases": {}, "data_year": 2018, "director_phone": "13812345678", "values": {}}'
    ).hexdigest()

    assert digest == crypto.blind_index(plain)
    settings.FIELD_HASH_KEY = "b" * 43 + "="
    assert importer._fingerprint(2018, hospital, {}) != digest

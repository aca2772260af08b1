"""Searching the legacy records by keyword: hospital name, 行政区划, 负责人 and phone.

One function, ``search_page``, serves the page and the benchmark
(``bench/legacy_search_bench.py``).

1. Every keyword must occur in the record's ``search_text`` (a substring match: 协和 finds
   北京协和医院). Newest year first.
2. When nothing contains the keywords, names *similar* to the query are offered instead
   (PostgreSQL only, pg_trgm trigram similarity), best first, so that a name typed with one
   wrong character still finds the hospital.

Indexes (PostgreSQL, migration 0002). Chinese keywords are mostly one or two characters
(协和, 张伟, 天河), too short for a trigram index, so the substring match is served by a
GIN index over the record's character grams (every character and every pair of adjacent
characters of ``search_text``, kept in ``search_grams``): a keyword's pairs must all be
there, then ``LIKE`` confirms the keyword itself. The similarity match is served by a GIN
trigram index on ``name_key``. SQLite has neither: there the substring match alone is used,
by scanning.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramDistance
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import BooleanField, F, Q, Value
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property

from institutions.region_names import printed_name, region_key

from .models import LegacyRecord

PAGE_SIZE = 10
# Beyond this many matches the count is shown as "1000+" (counting stops there).
COUNT_CAP = 1000
# How many similar names are offered when nothing matches exactly.
SIMILAR_LIMIT = 50
# Shorter names have too few trigrams for a similarity to mean anything.
MIN_SIMILAR_LENGTH = 4
MAX_QUERY_LENGTH = 100

_SPACES = re.compile(r"\s+")
_PHONE_QUERY = re.compile(r"^[\d\s\-+()（）]+$")


def normalize(value: str) -> str:
    """Text as searched: NFKC (full-width made half-width), lower case, single spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value or "")).strip().lower()


def region_spellings(*names: str) -> list[str]:
    """Each name as written, without a 直辖市's middle level and with it (北京市东城区 and
    北京市市辖区东城区, 天津市蓟县 and 天津市县蓟县), without repeats: a record is found by
    any spelling of its region, whichever the export or the table used."""
    spellings = []
    for name in names:
        for spelling in (name, region_key(name), printed_name(name)):
            if spelling and spelling not in spellings:
                spellings.append(spelling)
    return spellings


def search_text_for(record: LegacyRecord, region_full_name: str = "") -> str:
    """What a record is found by: its name, its 行政区划 as written and as resolved (in every
    spelling, see ``region_spellings``), its 负责人 and phone (also as bare digits, so 6529
    finds 010-65295269)."""
    phone = record.director_phone or ""
    parts = (
        record.hospital_name,
        *region_spellings(record.region_text, region_full_name),
        record.director_name,
        phone,
        re.sub(r"\D", "", phone),
    )
    return normalize(" ".join(part for part in parts if part))


def grams_of(text: str) -> str:
    """The characters and adjacent character pairs of ``text`` (none across a space), as
    one space-separated string: what the gram index holds for a record."""
    grams = set()
    for index, char in enumerate(text):
        if char.isspace():
            continue
        grams.add(char)
        pair = text[index : index + 2]
        if len(pair) == 2 and not pair[1].isspace():
            grams.add(pair)
    return " ".join(sorted(grams))


# A long keyword is looked up by a few of its pairs, spread over it (LIKE then confirms
# the whole keyword): every extra pair costs the index a posting list, and pairs such as
# 人民 or 医院 are in most records.
MAX_GRAMS_PER_KEYWORD = 4


def keyword_grams(term: str) -> list[str]:
    """Grams a record must hold to contain ``term``: up to ``MAX_GRAMS_PER_KEYWORD`` of
    its character pairs, the first and the last among them (a single character itself)."""
    if len(term) == 1:
        return [term]
    pairs = len(term) - 1
    count = min(pairs, MAX_GRAMS_PER_KEYWORD)
    if count == 1:
        starts = [0]
    else:
        starts = sorted({round(i * (pairs - 1) / (count - 1)) for i in range(count)})
    return sorted({term[start : start + 2] for start in starts})


def index_record(record: LegacyRecord, region_full_name: str = "") -> LegacyRecord:
    """Fill a record's ``search_text`` and ``search_grams`` (before saving it)."""
    record.search_text = search_text_for(record, region_full_name)
    record.search_grams = grams_of(record.search_text)
    return record


def keywords(query: str) -> list[str]:
    """The keywords of a query; a phone number typed with spaces or dashes is one. A
    region typed with a 直辖市's middle level (北京市市辖区东城区) is looked for without it,
    the spelling every record's text holds."""
    query = normalize(query)[:MAX_QUERY_LENGTH]
    if not query:
        return []
    if _PHONE_QUERY.match(query) and re.search(r"\d{3}", query):
        return [re.sub(r"\D", "", query)]
    return [region_key(term) for term in query.split(" ")]


def uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _has_grams(grams: list[str]):
    # The same expression as the index of migration 0002, so that the index serves it.
    return RawSQL(
        "string_to_array(binding_legacyrecord.search_grams, ' ') @> %s::text[]",
        (grams,),
        output_field=BooleanField(),
    )


def exact_matches(terms: list[str]):
    """Records containing every keyword, newest year first."""
    records = LegacyRecord.objects.select_related("bound_institution")
    condition = Q()
    for term in terms:
        condition &= Q(search_text__contains=term)
    if uses_postgresql():
        grams = sorted({gram for term in terms for gram in keyword_grams(term)})
        records = records.filter(_has_grams(grams))
    return records.filter(condition).order_by("-data_year", "name_key", "id")


def similarity_threshold(length: int) -> float:
    """The trigram similarity a name of ``length`` characters keeps when one character in
    its middle is mistyped: of its length + 1 trigrams, 3 are lost, so the similarity is
    (n − 2) / (n + 4) — 0.4 for 6 characters, 0.54 for 9. A little below that, and never
    below pg_trgm's default 0.3: long names, which share 人民医院-like endings with
    thousands of others, then match only names that really are close (and the index
    has far fewer candidates to check)."""
    return round(max(0.3, (length - 2) / (length + 4) - 0.02), 2)


def similar_names(terms: list[str]) -> list[LegacyRecord]:
    """Records whose name is similar to the query (PostgreSQL), most similar first; none
    for a query too short or made of digits."""
    name = "".join(terms)
    if not uses_postgresql() or len(name) < MIN_SIMILAR_LENGTH or name.isdigit():
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        # The threshold of the % operator (which the trigram index serves), for this
        # transaction only.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
            [str(similarity_threshold(len(name)))],
        )
        return list(
            LegacyRecord.objects.select_related("bound_institution")
            .filter(TrigramSimilar(F("name_key"), Value(name)))
            .annotate(distance=TrigramDistance("name_key", Value(name)))
            .order_by("distance", "-data_year", "id")[:SIMILAR_LIMIT]
        )


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 matches (a broad keyword such as 医院 would otherwise
    count the whole table on every page)."""

    cap = COUNT_CAP
    similar = False  # the results are similar names, not matches of the keywords

    @cached_property
    def count(self):
        if isinstance(self.object_list, list):
            return len(self.object_list)
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


def search_records(query: str):
    """The records found for ``query``, in order (a queryset of exact matches, or a list
    of similar names when nothing matches exactly)."""
    terms = keywords(query)
    if not terms:
        return LegacyRecord.objects.none()
    exact = exact_matches(terms)
    if exact.exists():
        return exact
    return similar_names(terms)


def search_page(query: str, page_number=1):
    """A page (``PAGE_SIZE`` records) of what ``query`` finds. ``page.paginator`` has
    ``count`` (capped at ``COUNT_CAP`` + 1), ``capped`` and ``similar``."""
    terms = keywords(query)
    if not terms:
        return CappedPaginator(LegacyRecord.objects.none(), PAGE_SIZE).get_page(1)
    paginator = CappedPaginator(exact_matches(terms), PAGE_SIZE)
    if paginator.count == 0:
        similar = similar_names(terms)
        if similar:
            paginator = CappedPaginator(similar, PAGE_SIZE)
            paginator.similar = True
    return paginator.get_page(page_number)

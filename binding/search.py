"""Searching the legacy records by keyword: hospital name, 行政区划 and 负责人; a phone only by
the whole number.

One function, ``search_page``, serves the page and the benchmark
(``bench/legacy_search_bench.py``).

1. Every keyword must occur in the record's ``search_text`` (a substring match: 协和 finds
   北京协和医院). Newest year first.
2. A keyword that is a phone number (7 digits or more, with spaces, dashes or brackets) is
   matched only as the whole number, by the keyed hash of the encrypted ``director_phone``
   (``accounts.fields``). The search text holds no phone digits, so no fragment of a number
   finds anything and a masked 138****8672 cannot be completed by trying digits.
3. When nothing contains the keywords, names *similar* to the query are offered instead
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
from dataclasses import dataclass, field

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

# A phone number needs this many digits; a shorter run of digits is an ordinary keyword
# (which finds no phone: the search text holds none).
MIN_PHONE_DIGITS = 7

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
    spelling, see ``region_spellings``) and its 负责人 — never its phone, which is found
    only whole, by its keyed hash (``phone_spellings``)."""
    parts = (
        record.hospital_name,
        *region_spellings(record.region_text, region_full_name),
        record.director_name,
    )
    return normalize(" ".join(part for part in parts if part))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def is_phone(term: str) -> bool:
    """A keyword that is a phone number: digits with spaces, dashes, + or brackets, at least
    ``MIN_PHONE_DIGITS`` digits."""
    return bool(_PHONE_QUERY.match(term)) and len(_digits(term)) >= MIN_PHONE_DIGITS


def phone_spellings(phone: str) -> list[str]:
    """The ways the old export may have written the number typed as ``phone``: as typed
    without spaces, as bare digits (a mobile: 13812345678), and a landline with its area
    code before a dash (010-65295269, 0755-12345678). Each is looked up by its keyed hash:
    only the whole number matches."""
    digits = _digits(phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 138…
    spellings = {re.sub(r"\s+", "", phone), digits}
    if digits.startswith("0"):
        spellings |= {f"{digits[:3]}-{digits[3:]}", f"{digits[:4]}-{digits[4:]}"}
    return sorted(spelling for spelling in spellings if spelling)


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


@dataclass(frozen=True)
class Query:
    """A query taken apart: keywords the search text must contain, and whole phone numbers
    the record's phone must be."""

    terms: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    def __bool__(self):
        return bool(self.terms or self.phones)


def parse_query(query: str) -> Query:
    """The keywords and phone numbers of a query. A phone number typed with spaces or dashes
    is one; a region typed with a 直辖市's middle level (北京市市辖区东城区) is looked for
    without it, the spelling every record's text holds."""
    query = normalize(query)[:MAX_QUERY_LENGTH]
    if not query:
        return Query()
    if is_phone(query):
        return Query(phones=[query])
    parts = query.split(" ")
    return Query(
        terms=[region_key(term) for term in parts if not is_phone(term)],
        phones=[term for term in parts if is_phone(term)],
    )


def uses_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _has_grams(grams: list[str]):
    # The same expression as the index of migration 0002, so that the index serves it.
    return RawSQL(
        "string_to_array(binding_legacyrecord.search_grams, ' ') @> %s::text[]",
        (grams,),
        output_field=BooleanField(),
    )


def exact_matches(query: Query):
    """Records containing every keyword and having every phone number, newest year first."""
    records = LegacyRecord.objects.all()
    condition = Q()
    for phone in query.phones:
        # Compared as keyed hashes (accounts.fields): exact, whole numbers only.
        condition &= Q(director_phone__in=phone_spellings(phone))
    for term in query.terms:
        condition &= Q(search_text__contains=term)
    if uses_postgresql() and query.terms:
        grams = sorted({gram for term in query.terms for gram in keyword_grams(term)})
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


def similar_names(query: Query) -> list[LegacyRecord]:
    """Records whose name is similar to the query (PostgreSQL), most similar first; none
    for a query too short, made of digits or naming a phone number."""
    name = "".join(query.terms)
    if query.phones or not uses_postgresql() or len(name) < MIN_SIMILAR_LENGTH or name.isdigit():
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        # The threshold of the % operator (which the trigram index serves), for this
        # transaction only.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
            [str(similarity_threshold(len(name)))],
        )
        return list(
            LegacyRecord.objects.filter(TrigramSimilar(F("name_key"), Value(name)))
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
    parsed = parse_query(query)
    if not parsed:
        return LegacyRecord.objects.none()
    exact = exact_matches(parsed)
    if exact.exists():
        return exact
    return similar_names(parsed)


def search_page(query: str, page_number=1):
    """A page (``PAGE_SIZE`` records) of what ``query`` finds. ``page.paginator`` has
    ``count`` (capped at ``COUNT_CAP`` + 1), ``capped`` and ``similar``."""
    parsed = parse_query(query)
    if not parsed:
        return CappedPaginator(LegacyRecord.objects.none(), PAGE_SIZE).get_page(1)
    paginator = CappedPaginator(exact_matches(parsed), PAGE_SIZE)
    if paginator.count == 0:
        similar = similar_names(parsed)
        if similar:
            paginator = CappedPaginator(similar, PAGE_SIZE)
            paginator.similar = True
    return paginator.get_page(page_number)

"""Issue 18 item 6: a legacy record is found by every spelling of its 行政区划 — 北京市市辖区东城区
of the old export and 北京市东城区 of the region table (binding.search.region_spellings).

Only records of the four 直辖市 have more than one spelling, so only their search text and
grams are written again. Undoing it leaves the longer text in place: it is a superset of
what the earlier search read, so the earlier code finds the same records with it.
"""

from django.db import migrations
from django.db.models import Q

MUNICIPALITIES = (("北京市", "11"), ("天津市", "12"), ("上海市", "31"), ("重庆市", "50"))
BATCH_SIZE = 500


def reindex_municipal_records(apps, schema_editor):
    # The search's own functions, so that the text is exactly what an import writes now.
    from binding.search import grams_of, search_text_for

    LegacyRecord = apps.get_model("binding", "LegacyRecord")
    in_a_municipality = Q()
    for name, code in MUNICIPALITIES:
        in_a_municipality |= Q(region_text__startswith=name) | Q(region__code__startswith=code)
    records = LegacyRecord.objects.filter(in_a_municipality).select_related("region").order_by("pk")
    batch = []
    for record in records.iterator(chunk_size=BATCH_SIZE):
        full_name = record.region.full_name if record.region_id else ""
        text = search_text_for(record, full_name)
        if text == record.search_text:
            continue
        record.search_text = text
        record.search_grams = grams_of(text)
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            LegacyRecord.objects.bulk_update(batch, ["search_text", "search_grams"])
            batch = []
    if batch:
        LegacyRecord.objects.bulk_update(batch, ["search_text", "search_grams"])


class Migration(migrations.Migration):
    dependencies = [
        ("binding", "0003_legacy_refused_files"),
    ]

    operations = [
        migrations.RunPython(reindex_municipal_records, migrations.RunPython.noop),
    ]

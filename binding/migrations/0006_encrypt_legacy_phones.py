"""Issue 19 item 6: the legacy records' 联系电话 encrypted at rest, like account mobiles
(``accounts.fields``), and found only as the whole number through its keyed hash (the
columns are 0005's).

- ``director_phone`` becomes ciphertext (AES-256-GCM under ``FIELD_ENCRYPTION_KEY``) with
  ``director_phone_hash`` (HMAC-SHA256 under ``FIELD_HASH_KEY``) beside it;
- the search text and its grams are written again without the phone (they held it, also
  as bare digits, so that any fragment of a number found the record);
- the content fingerprint becomes keyed: the HMAC of the SHA-256 the importer stored. A plain
  hash of content in which everything but the phone is readable would give the phone away
  to anyone trying numbers against a copy of the database.

Going back decrypts the phones and puts them into the search text again; the fingerprints
stay keyed (an HMAC cannot be undone), so an import run after going back reports the records
as changed and leaves them as they are.
"""

from django.db import migrations

import accounts.fields
from accounts import crypto

BATCH_SIZE = 500


def _convert(apps, schema_editor, *, encrypt):
    accounts.fields.convert_columns(
        schema_editor,
        apps.get_model("binding", "LegacyRecord"),
        {"director_phone": "director_phone_hash"},
        encrypt=encrypt,
    )


def _reindex(apps, text_of):
    LegacyRecord = apps.get_model("binding", "LegacyRecord")
    from binding.search import grams_of

    records = LegacyRecord.objects.select_related("region").order_by("pk")
    batch = []
    for record in records.iterator(chunk_size=BATCH_SIZE):
        full_name = record.region.full_name if record.region_id else ""
        record.search_text = text_of(record, full_name)
        record.search_grams = grams_of(record.search_text)
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            LegacyRecord.objects.bulk_update(batch, ["search_text", "search_grams"])
            batch = []
    if batch:
        LegacyRecord.objects.bulk_update(batch, ["search_text", "search_grams"])


def _key_fingerprints(schema_editor):
    # Raw SQL: every row once, inside the migration's transaction.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, fingerprint FROM binding_legacyrecord")
        rows = cursor.fetchall()
        cursor.executemany(
            "UPDATE binding_legacyrecord SET fingerprint = %s WHERE id = %s",
            [(crypto.blind_index(fingerprint), pk) for pk, fingerprint in rows if fingerprint],
        )


def encrypt_phones(apps, schema_editor):
    from binding.search import search_text_for

    _convert(apps, schema_editor, encrypt=True)
    _reindex(apps, search_text_for)
    _key_fingerprints(schema_editor)


def _text_with_phone(record, full_name):
    """The search text as migration 0004 wrote it: the phone as written and as digits."""
    import re

    from binding.search import normalize, region_spellings

    phone = record.director_phone or ""
    parts = (
        record.hospital_name,
        *region_spellings(record.region_text, full_name),
        record.director_name,
        phone,
        re.sub(r"\D", "", phone),
    )
    return normalize(" ".join(part for part in parts if part))


def decrypt_phones(apps, schema_editor):
    # Read the clear phones while the column still holds ciphertext (the model decrypts),
    # then write them back in clear.
    _reindex(apps, _text_with_phone)
    _convert(apps, schema_editor, encrypt=False)


class Migration(migrations.Migration):
    dependencies = [
        ("binding", "0005_legacy_phone_columns"),
    ]

    operations = [
        migrations.RunPython(encrypt_phones, decrypt_phones),
    ]

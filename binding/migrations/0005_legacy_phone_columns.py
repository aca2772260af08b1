"""Issue 19 item 6, first step: the columns of an encrypted 联系电话 (the data is converted by
0006, in a transaction of its own: PostgreSQL refuses to change a table's schema in the
transaction that has just updated its rows).

- ``director_phone`` becomes a text column for AES-256-GCM ciphertext (``accounts.fields``);
- ``director_phone_hash``, its HMAC-SHA256 under ``FIELD_HASH_KEY``, indexed: a phone is
  found only as the whole number;
- the fingerprint's help text says it is keyed (0006 converts the values).
"""

from django.db import migrations, models

import accounts.fields


class Migration(migrations.Migration):
    dependencies = [
        ("binding", "0004_search_text_region_spellings"),
    ]

    operations = [
        migrations.AlterField(
            model_name="legacyrecord",
            name="director_phone",
            field=accounts.fields.EncryptedCharField(
                blank=True, max_length=40, verbose_name="联系电话"
            ),
        ),
        migrations.AddField(
            model_name="legacyrecord",
            name="director_phone_hash",
            field=accounts.fields.BlindIndexField(
                source="director_phone", verbose_name="联系电话索引"
            ),
        ),
        migrations.AlterField(
            model_name="legacyrecord",
            name="fingerprint",
            field=models.CharField(
                help_text="全部导入内容的带密钥摘要（HMAC-SHA256）；再次导入相同内容时跳过",
                max_length=64,
                verbose_name="内容指纹",
            ),
        ),
        migrations.AddIndex(
            model_name="legacyrecord",
            index=models.Index(fields=["director_phone_hash"], name="legacy_phone_hash_idx"),
        ),
    ]

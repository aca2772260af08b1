"""Personal identifiers stored encrypted and found by a keyed hash (security checklist 8.1).

::

    mobile = EncryptedCharField(_("手机号码"), max_length=11)
    mobile_hash = BlindIndexField(_("手机号码索引"), source="mobile")

In Python ``mobile`` holds the clear value (``user.mobile == "13800138000"``); its database
column holds only ``accounts.crypto.encrypt`` output. ``mobile_hash`` always reads as the HMAC
of the current ``mobile`` and is saved with it. Queries keep their natural form:
``User.objects.filter(mobile=m)`` and ``mobile__in=[...]`` compare ``mobile_hash`` with the
HMAC of ``m``, so uniqueness constraints go on the hash column. Every other lookup (contains,
startswith, ranges, transforms) is refused, because on ciphertext it would silently match
nothing; ordering by the field orders by ciphertext and means nothing.

Two ways of writing skip the hash and are guarded or must be avoided:
``save(update_fields=[...])`` naming the value without its hash raises ``ValueError``;
``QuerySet.update(mobile=...)`` is not caught — use ``save()``.
"""

from django.core.exceptions import FieldError
from django.db import models
from django.db.models import lookups, signals
from django.db.models.expressions import Col

from . import crypto


class _OnBlindIndex:
    """A lookup on an encrypted field rewritten as the same lookup on its blind index."""

    def __init__(self, lhs, rhs):
        index_field = lhs.target.blind_index_field()
        super().__init__(Col(lhs.alias, index_field), self.index_of(rhs))


class BlindIndexExact(_OnBlindIndex, lookups.Exact):
    @staticmethod
    def index_of(rhs):
        if hasattr(rhs, "resolve_expression"):
            raise FieldError("加密字段只能与具体的值比较，不能与表达式或其他字段比较。")
        return crypto.blind_index(rhs)


class BlindIndexIn(_OnBlindIndex, lookups.In):
    @staticmethod
    def index_of(rhs):
        if hasattr(rhs, "resolve_expression"):
            raise FieldError("加密字段只能与具体的值比较，不能与子查询比较。")
        return [crypto.blind_index(value) for value in rhs]


class EncryptedCharField(models.CharField):
    """A short text (``max_length`` counts clear characters) stored AES-GCM encrypted.

    Queryable by value (exact, in) only when the model has a ``BlindIndexField`` of it;
    otherwise it can be stored and read but not searched."""

    description = "Encrypted text"

    def db_type(self, connection):
        # Ciphertext is longer than the clear value: base64 of nonce + text + tag.
        return models.TextField().db_type(connection)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        return value if value is None else crypto.encrypt(value)

    def blind_index_field(self):
        for field in self.model._meta.concrete_fields:
            if isinstance(field, BlindIndexField) and field.source == self.name:
                return field
        return None

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return lookups.IsNull
        if lookup_name in ("exact", "in") and self.blind_index_field() is None:
            raise FieldError(
                f"{self.model._meta.label}.{self.name} 没有 BlindIndexField，不能按值查询。"
            )
        return {"exact": BlindIndexExact, "in": BlindIndexIn}.get(lookup_name)

    def get_transform(self, lookup_name):
        return None


class _BlindIndexOf:
    """Reads as the HMAC of the source field's current value, so it cannot fall behind it;
    what is set (the stored hash, when a row is loaded) is only kept for Django's record of
    which fields were loaded."""

    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return crypto.blind_index(getattr(instance, self.field.source))

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class BlindIndexField(models.CharField):
    """The HMAC-SHA256 (64 hex digits, '' for no value) of ``source``, an
    ``EncryptedCharField`` of the same model: what uniqueness and lookups use."""

    description = "Keyed hash of an encrypted field"

    def __init__(self, *args, source, **kwargs):
        self.source = source
        kwargs.update(max_length=64, editable=False, default="")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "editable", "default"):
            kwargs.pop(key, None)
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        setattr(cls, self.attname, _BlindIndexOf(self))
        signals.pre_save.connect(
            self._refuse_stale_index,
            sender=cls,
            weak=False,
            dispatch_uid=f"blind-index-{cls._meta.label}-{name}-{id(cls)}",
        )

    def _refuse_stale_index(self, sender, instance, update_fields=None, **kwargs):
        names = update_fields or ()
        if self.source in names and self.attname not in names:
            raise ValueError(
                f"save(update_fields=…) names {self.source} without {self.attname}: "
                "the stored hash would no longer match the value."
            )


def convert_columns(schema_editor, model, columns, *, encrypt):
    """Data migrations: encrypt (or, going back, decrypt) ``columns`` of ``model``'s table in
    place; ``model`` is the migration's (``apps.get_model``).

    ``columns`` maps each value column to its blind-index column (or None). Values already in
    the target form are left as they are, so a run that was interrupted can be repeated. Raw
    SQL, because the migration's model already reads the column as ciphertext."""
    quote = schema_editor.quote_name
    table, pk_column = model._meta.db_table, model._meta.pk.column
    names = list(columns)
    with schema_editor.connection.cursor() as cursor:
        # Identifiers come from the model's meta, values go as parameters.
        cursor.execute(
            f"SELECT {quote(pk_column)}, {', '.join(quote(name) for name in names)} "  # nosec B608
            f"FROM {quote(table)}"
        )
        rows = cursor.fetchall()
        for pk, *values in rows:
            assignments, params = [], []
            for name, value in zip(names, values, strict=True):
                if not value:
                    continue
                is_encrypted = value.startswith(crypto.PREFIX)
                clear = crypto.decrypt(value) if is_encrypted else value
                if encrypt and not is_encrypted:
                    assignments.append(f"{quote(name)} = %s")
                    params.append(crypto.encrypt(clear))
                elif not encrypt and is_encrypted:
                    assignments.append(f"{quote(name)} = %s")
                    params.append(clear)
                if columns[name]:
                    assignments.append(f"{quote(columns[name])} = %s")
                    params.append(crypto.blind_index(clear) if encrypt else "")
            if assignments:
                cursor.execute(
                    f"UPDATE {quote(table)} SET {', '.join(assignments)} "  # nosec B608
                    f"WHERE {quote(pk_column)} = %s",
                    [*params, pk],
                )

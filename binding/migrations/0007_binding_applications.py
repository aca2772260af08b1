"""Issue 19 item 1: legacy data is claimed, not browsed (SPEC §3.9).

- ``BindingApplication`` (绑定申请): a claim on a record whose hospital name and region do
  not match the institution's, or that the institution unbound before, decided by an
  auditor; ``BindingLog.application`` links a binding to the application that allowed it;
- ``HistoricalInstitution``: the names and regions an institution has had (simple-history on
  ``institutions.Institution``, kept in this app because the match reads it). Each existing
  institution gets one row with its present name, so a later renaming keeps it as a former
  name.
"""

import uuid

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

REASON = "启用名称记录时的名称"


def record_present_names(apps, schema_editor):
    Institution = apps.get_model("institutions", "Institution")
    HistoricalInstitution = apps.get_model("binding", "HistoricalInstitution")
    HistoricalInstitution.objects.bulk_create(
        (
            HistoricalInstitution(
                id=institution.pk,
                name=institution.name,
                region_name=institution.region_name,
                region_id=institution.region_id,
                history_date=institution.created_at,
                history_type="+",
                history_change_reason=REASON,
            )
            for institution in Institution.objects.order_by("pk").iterator(chunk_size=500)
        ),
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("binding", "0006_encrypt_legacy_phones"),
        ("institutions", "0003_encrypt_applicant_identifiers"),
        ("surveys", "0004_encrypt_basic_info_mobiles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BindingApplication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "public_id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, unique=True, verbose_name="公开编号"
                    ),
                ),
                ("requested_at", models.DateTimeField(auto_now_add=True, verbose_name="申请时间")),
                (
                    "note",
                    models.TextField(
                        help_text="申请人说明该数据为何属于本单位",
                        max_length=500,
                        verbose_name="申请说明",
                    ),
                ),
                ("name_matched", models.BooleanField(default=False, verbose_name="医院名称相符")),
                (
                    "region_matched",
                    models.BooleanField(default=False, verbose_name="行政区划相符"),
                ),
                (
                    "unbound_before",
                    models.BooleanField(default=False, verbose_name="本单位曾解绑该数据"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待审核"),
                            ("approved", "已批准"),
                            ("rejected", "已驳回"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="审核状态",
                    ),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="审核时间"),
                ),
                (
                    "decision_reason",
                    models.CharField(blank=True, max_length=200, verbose_name="审核意见"),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        help_text="为空表示因该数据已被其他单位绑定而自动驳回",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="审核员",
                    ),
                ),
                (
                    "institution",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="institutions.institution",
                        verbose_name="申请单位",
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="applications",
                        to="binding.legacyrecord",
                        verbose_name="既往数据",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="surveys.report",
                        verbose_name="批准后生成的年度报告",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申请人",
                    ),
                ),
            ],
            options={
                "verbose_name": "绑定申请",
                "verbose_name_plural": "绑定申请",
                "ordering": ["-requested_at", "-id"],
                "indexes": [
                    models.Index(fields=["status", "requested_at"], name="binding_app_queue_idx"),
                    models.Index(
                        fields=["institution", "status"], name="binding_app_institution_idx"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("record", "institution"),
                        name="binding_application_one_pending",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "rejected"), _negated=True),
                            models.Q(("decision_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="binding_application_rejection_has_reason",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status", "pending"), ("decided_at__isnull", False), _connector="OR"
                        ),
                        name="binding_application_decided_at_set",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "approved"), _negated=True),
                            ("report__isnull", False),
                            _connector="OR",
                        ),
                        name="binding_application_approval_has_report",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="bindinglog",
            name="application",
            field=models.ForeignKey(
                blank=True,
                help_text="经审核员批准的绑定",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="binding.bindingapplication",
                verbose_name="绑定申请",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalInstitution",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="单位全称")),
                (
                    "region_name",
                    models.CharField(
                        editable=False,
                        help_text="填报时的行政区划全称，区划调整后保持不变",
                        max_length=120,
                        verbose_name="行政区划名称",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                        max_length=1,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="institutions.region",
                        verbose_name="行政区划",
                    ),
                ),
            ],
            options={
                "verbose_name": "医疗机构名称记录",
                "verbose_name_plural": "医疗机构名称记录",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(record_present_names, migrations.RunPython.noop),
    ]

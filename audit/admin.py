from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected

import audit

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """审计日志 for auditors: look, filter and search; nothing can be added, changed or
    deleted (the database refuses it too)."""

    list_display = (
        "at",
        "username",
        "institution",
        "ip",
        "action",
        "outcome",
        "object_type",
        "object_id",
    )
    list_filter = (
        "action",
        "outcome",
        ("at", admin.DateFieldListFilter),
        ("institution", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("username",)
    date_hierarchy = "at"
    list_select_related = ("institution",)
    list_per_page = 100
    show_full_result_count = False
    fields = (
        "at",
        "username",
        "user",
        "institution",
        "ip",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "path",
        "detail",
    )
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(permissions=["delete"], description=django_delete_selected.short_description)
def delete_selected(modeladmin, request, queryset):
    """Django's bulk delete action, plus one audit event for a deletion of several objects:
    Django writes their ``LogEntry`` rows with ``bulk_create``, which sends no ``post_save``
    (a single object's deletion is recorded by ``audit.signals.admin_logged``)."""
    opts = modeladmin.model._meta
    ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
    response = django_delete_selected(modeladmin, request, queryset)
    if response is None and len(ids) > 1:  # confirmed and done (else: the confirmation page)
        audit.record(
            request,
            audit.Action.ADMIN_CHANGE,
            obj=(f"{opts.app_label}.{opts.model_name}", ""),
            flag="deletion",
            ids=ids[:1000],
            count=len(ids),
        )
    return response


admin.site.add_action(delete_selected, "delete_selected")

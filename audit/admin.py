import re

from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import audit
from registry.admin_lists import NationalListMixin, month_filter
from registry.scope import ScopedAdminMixin

from .models import AuditEvent


def _institutions():
    # The institutions' model through the event's field: audit sits below institutions in
    # the apps' layers (pyproject.toml, import-linter) and imports none of it.
    return AuditEvent._meta.get_field("institution").related_model.objects


class InstitutionFilter(admin.SimpleListFilter):
    """单位: the events of one institution (``institution__id__exact``, as links and the
    search set it). Only the chosen one is offered: a list of every institution in the log
    would be a DISTINCT over every event and thousands of links."""

    title = _("单位")
    parameter_name = "institution__id__exact"

    def has_output(self):
        return self.value() is not None

    def lookups(self, request, model_admin):
        value = self.value()
        if value is None:
            return []
        institution = _institutions().filter(pk=value).first() if value.isdigit() else None
        return [(value, institution.name if institution else gettext("没有该单位"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(institution_id=int(value)) if value.isdigit() else queryset.none()


# A term that can be a username (letters, digits and . _ - @ +); any other term is part of an
# institution's name.
USERNAME_TERM = re.compile(r"[\w.@+-]+", re.ASCII)


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedAdminMixin, NationalListMixin, admin.ModelAdmin):
    """审计日志 for auditors: look, filter and search; nothing can be added, changed or
    deleted (the database refuses it too). The log grows without end, so (issue 21): the
    count and the pages stop at ``ADMIN_LIST_MAX_ROWS``, 月份 replaces ``date_hierarchy``,
    the search reads indexes (username by its beginning, institution by name), and the list
    sorts by 时间 only."""

    # Events of no institution (auditors' own sign-ins, say) only nationwide.

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
        month_filter("at"),
        InstitutionFilter,
    )
    search_fields = ("username",)  # shows the box; get_search_results says what it reads
    search_help_text = _("用户名（开头几位，区分大小写），或单位名称中的字词。")
    list_select_related = ("institution",)
    list_per_page = 100
    sortable_by = ("at",)
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

    def get_search_results(self, request, queryset, search_term):
        """A username by its beginning (``username LIKE 'x%'``, the username index); a term
        with other characters by the institution's name (``(institution_id, at)`` index)."""
        for term in search_term.split():
            if USERNAME_TERM.fullmatch(term):
                queryset = queryset.filter(username__startswith=term)
            else:
                named = _institutions().filter(name__icontains=term).values_list("pk", flat=True)
                queryset = queryset.filter(institution_id__in=list(named))
        return queryset, False

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

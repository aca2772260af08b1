"""审核范围: which institutions an auditor (staff account) reviews (issue 22 item 1).

Every staff account has a scope: 全国 (``review_region`` empty), a province or a
prefecture-level city (a 行政区划 node; a superuser sets it in 用户). GB/T 2260 codes nest
by prefix — 北京市 110000 holds 110101 东城区, 广州市 440100 holds 440106 天河区 — so the
subtree of a node is the codes that start with its first two (a province) or four (a city)
digits, read with no query.

``scope_q(user, path)`` is the one rule: a ``Q`` on the region code reached by ``path``
(e.g. ``"institution__region"`` for a report). The admins apply it through
``ScopedAdminMixin``; reports and what hangs from them through
``surveys.models.report_visibility``. Outside the scope an object does not exist for the
auditor: lists, counts, filters and search leave it out and its pages answer 404.
"""

import copy

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

NATIONWIDE = ""


def region_prefix(user) -> str | None:
    """The code prefix of ``user``'s scope: ``""`` nationwide, ``"11"`` for 北京市, ``"4401"``
    for 广州市; ``None`` for an account that is not an active auditor (sees nothing here)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    code = user.review_region_id or NATIONWIDE
    if not code or user.is_superuser:
        return NATIONWIDE
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def is_nationwide(user) -> bool:
    return region_prefix(user) == NATIONWIDE


def scope_q(user, path: str) -> Q:
    """The objects whose region (``path``, a foreign key to 行政区划 or a chain ending in
    one) lies in ``user``'s scope; nothing for anyone who is not an auditor."""
    prefix = region_prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    if prefix == NATIONWIDE:
        return Q()
    return Q(**{f"{path}__code__startswith": prefix})


# ``scope_path`` of the admins of reports and of what hangs from them: their queryset's
# ``visible_to(user)`` (``surveys.models.report_visibility``, built on ``scope_q``) decides.
VISIBLE_TO = "visible_to"


class ScopedAdminMixin:
    """A ModelAdmin whose rows belong to institutions: ``scope_path`` leads from the model
    to a 行政区划 (``VISIBLE_TO``: the model's ``visible_to``; ``None``: rows of no
    institution, shown only to nationwide auditors). The queryset is narrowed before
    anything else sees it — the list, its counts, filters, search, actions, exports — and an
    object outside the scope answers 404."""

    scope_path: str | None = "institution__region"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.scope_path == VISIBLE_TO:
            return queryset.visible_to(request.user)
        if self.scope_path is None:
            return queryset if is_nationwide(request.user) else queryset.none()
        return queryset.filter(scope_q(request.user, self.scope_path))

    def _nationwide_only(self, request):
        return self.scope_path is None and not is_nationwide(request.user)

    # Rows of no institution are nationwide business: a scoped auditor has no page of them
    # at all (not even 增加), and the admin index leaves them out.
    def has_module_permission(self, request):
        return not self._nationwide_only(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not self._nationwide_only(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return not self._nationwide_only(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        if self._nationwide_only(request):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._nationwide_only(request):
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A choice of institution (延期's, say) offers, and accepts, only the scope's."""
        if db_field.related_model._meta.label_lower == "institutions.institution":
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                scope_q(request.user, "region")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        """A row placed by its own region (a 医疗机构) is placed inside the scope only."""
        form = super().get_form(request, obj, **kwargs)
        prefix = region_prefix(request.user)
        field = form.base_fields.get(self.scope_path) if self.scope_path else None
        if prefix and field is not None and hasattr(field, "queryset"):
            field = copy.deepcopy(field)  # the form class's own, not the declared one
            field.queryset = field.queryset.filter(code__startswith=prefix)
            field.error_messages["invalid_choice"] = _("只能选择您审核范围内的行政区划。")
            form.base_fields[self.scope_path] = field
        return form

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

"""Auditors' decisions in the admin: read-only records whose state changes only through a
service, by buttons on the record's change page."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse


class ReadOnlyAdminMixin:
    """Records nobody adds, edits or deletes in the admin (they are written by services)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionAdminMixin(ReadOnlyAdminMixin):
    """Read-only records that auditors act on with buttons (通过, 驳回, 退回, 恢复 …).

    Each name in ``decision_actions`` gets a URL ``<object_id>/<name>/`` served by the admin
    class's ``<name>_view``, which calls a service (``run_decision`` does the usual: call,
    message, admin log, redirect). ``decision_context(request, obj)`` says which buttons the
    change page shows for a record now (``None``: none); the page's template reads it as
    ``decision``. Acting needs the model's change permission; nothing may be added, edited
    or deleted here directly.
    """

    decision_actions: tuple[str, ...] = ()

    def has_decide_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def decision_url_name(self, action):
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{action}"

    def decision_url(self, obj, action):
        return reverse(f"admin:{self.decision_url_name(action)}", args=[obj.pk])

    def change_url(self, obj):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def changelist_url(self):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def get_urls(self):
        return [
            *(
                path(
                    f"<path:object_id>/{action}/",
                    self.admin_site.admin_view(getattr(self, f"{action}_view")),
                    name=self.decision_url_name(action),
                )
                for action in self.decision_actions
            ),
            *super().get_urls(),
        ]

    def decision_context(self, request, obj):
        """What the decision panel offers for ``obj`` now, or ``None`` for no panel."""
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_decide_permission(request):
            decision = self.decision_context(request, obj)
            if decision:
                extra_context["decision"] = decision
        return super().change_view(request, object_id, form_url, extra_context)

    def get_for_decision(self, request, object_id):
        """The record to decide on; 403 without the permission, 404 if it does not exist."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

    def run_decision(self, request, obj, act, *, error, log, success, done_url=None):
        """Call ``act()`` (a service); on ``error`` show its ``message`` and go back to the
        record, otherwise write ``log`` to the admin history, show ``success`` and go to
        ``done_url`` (default: back to the record)."""
        try:
            act()
        except error as refusal:
            messages.error(request, refusal.message)
            return redirect(self.change_url(obj))
        self.log_change(request, obj, log)
        messages.success(request, success)
        return redirect(done_url or self.change_url(obj))


class ReviewQueueAdminMixin(DecisionAdminMixin):
    """A queue of submissions (个人身份认证, 单位注册) that auditors decide on.

    A pending record's change page gets a decision panel whose 通过 / 驳回 buttons post to
    ``approve_view`` / ``reject_view``, which the admin class defines and which call the
    services.
    """

    decision_actions = ("approve", "reject")
    pending_status = None
    # Under the 驳回原因 box: what the submitter will see and what 通过 does.
    review_help = ""
    change_form_template = "admin/review_change_form.html"

    def review_url_name(self, action):
        return self.decision_url_name(action)

    def decision_context(self, request, obj):
        if obj.status != self.pending_status:
            return None
        return {
            "approve_url": self.decision_url(obj, "approve"),
            "reject_url": self.decision_url(obj, "reject"),
            "reason_max_length": obj._meta.get_field("reject_reason").max_length,
            "help": self.review_help,
        }

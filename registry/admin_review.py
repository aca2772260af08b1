"""Review queues in the admin: read-only records that an auditor approves or rejects."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse


class ReviewQueueAdminMixin:
    """A queue of submissions (个人身份认证, 单位注册) that auditors decide on.

    Records are read-only in the admin; a pending one's change page gets a decision panel
    whose 通过 / 驳回 buttons post to ``approve_view`` / ``reject_view``, which the admin
    class defines and which call the services. Deciding needs the model's change
    permission; nothing may be added or deleted here.
    """

    pending_status = None
    # Under the 驳回原因 box: what the submitter will see and what 通过 does.
    review_help = ""
    change_form_template = "admin/review_change_form.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def review_url_name(self, action):
        opts = self.model._meta
        return f"{opts.app_label}_{opts.model_name}_{action}"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name=self.review_url_name("approve"),
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name=self.review_url_name("reject"),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if (
            obj is not None
            and obj.status == self.pending_status
            and self.has_decide_permission(request)
        ):
            extra_context["decision"] = {
                "approve_url": reverse(f"admin:{self.review_url_name('approve')}", args=[obj.pk]),
                "reject_url": reverse(f"admin:{self.review_url_name('reject')}", args=[obj.pk]),
                "reason_max_length": obj._meta.get_field("reject_reason").max_length,
                "help": self.review_help,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_for_decision(self, request, object_id):
        """The record to decide on; 403 without the permission, 404 if it does not exist."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        return obj

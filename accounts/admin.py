from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Case, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp import admin as otp_totp_admin  # noqa: F401 (registers it)
from django_otp.plugins.otp_totp.models import TOTPDevice

from institutions.admin import ProvinceFilter
from institutions.validators import normalize_code
from registry.admin_review import ReviewQueueAdminMixin
from registry.scope import ScopedAdminMixin

from .auditors import GROUP_NAME as AUDITOR_GROUP
from .models import AuditorTOTPDevice, IdentityVerification, User
from .validators import mask_id_number, mask_mobile
from .verification import VerificationError, approve_verification, reject_verification


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    # Hospital accounts by their institution; auditors' accounts (no institution) only
    # nationwide.
    list_display = (
        "username",
        "real_name",
        "masked_mobile",
        "masked_id_number",
        "institution",
        "role",
        "verification_status",
        "is_active",
        "is_staff",
    )
    list_filter = ("role", "verification_status", "origin", "is_active", "is_staff")
    autocomplete_fields = ("review_region",)
    search_fields = ("username", "real_name", "institution__name")
    list_select_related = ("institution",)
    raw_id_fields = ("institution",)
    readonly_fields = ("masked_mobile", "masked_id_number")
    fieldsets = DjangoUserAdmin.fieldsets + (
        (
            "平台信息",
            {
                # Masked and read-only (security checklist 8.2): the account holder changes
                # the mobile at 更换手机号; the full values never reach the admin's browser.
                "fields": (
                    "real_name",
                    "masked_mobile",
                    "masked_id_number",
                    "institution",
                    "role",
                    "origin",
                    "verification_status",
                    "review_region",
                )
            },
        ),
    )

    # 增加用户 asks what the database requires of an account (an institution unless it is an
    # auditor), so a missing one is a form error, not a failed INSERT.
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "real_name",
                    "is_staff",
                    "review_region",
                    "institution",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # Only a superuser grants or changes privileges (issue 19 item 8), an auditor's 审核范围
    # included (issue 22 item 1): no auditor widens their own or grants one.
    privilege_fields = ("is_staff", "is_superuser", "groups", "user_permissions", "review_region")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.is_staff and not obj.is_superuser:
            # A staff account added here is an auditor: the 审核员 group's permissions.
            obj.groups.add(Group.objects.get_or_create(name=AUDITOR_GROUP)[0])

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *self.privilege_fields)

    def has_change_permission(self, request, obj=None):
        """An auditor who is not a superuser may not change staff accounts (their own
        included: 个人中心 is theirs) — no password reset or privilege of another auditor."""
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_staff and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("手机号码"))
    def masked_mobile(self, obj):
        return mask_mobile(obj.mobile) or "—"

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number) or "—"


@admin.register(IdentityVerification)
class IdentityVerificationAdmin(ScopedAdminMixin, ReviewQueueAdminMixin, admin.ModelAdmin):
    """The 个人身份认证 queue: pending submissions first, the photo beside the institution's
    record, and 通过 / 驳回 buttons that call the services. Nothing here edits a row directly:
    the change page is read-only and submissions are never added or deleted in the admin."""

    pending_status = IdentityVerification.Status.PENDING
    review_help = _(
        "驳回时必填：请写明需要申请人修改什么，申请人会在个人身份认证页面和短信中看到。"
        "通过时无需填写。"
    )

    list_display = (
        "submitted_at",
        "applicant",
        "institution",
        "licence_number",
        "status",
        "decided_at",
        "decided_by",
    )
    list_display_links = ("submitted_at", "applicant")
    list_filter = ("status", ProvinceFilter)
    search_fields = ("institution__name", "user__username", "user__real_name")
    list_select_related = ("user", "institution", "decided_by")
    ordering = (
        Case(When(status=IdentityVerification.Status.PENDING, then=Value(0)), default=Value(1)),
        "-submitted_at",
    )
    list_per_page = 50
    result_fieldset = (
        _("审核结果"),
        {"fields": ("status", "reject_reason", "decided_at", "decided_by")},
    )
    fieldsets = (
        (_("申请信息"), {"fields": ("applicant_details", "institution_details", "submitted_at")}),
        (_("医疗机构执业许可证"), {"fields": ("licence_comparison", "licence_photo_preview")}),
        result_fieldset,
        (_("该用户的全部认证记录"), {"fields": ("submission_history",)}),
    )
    readonly_fields = (
        "applicant_details",
        "institution_details",
        "submitted_at",
        "licence_comparison",
        "licence_photo_preview",
        "status",
        "reject_reason",
        "decided_at",
        "decided_by",
        "submission_history",
    )

    class Media:
        css = {"all": ("css/admin-verification.css",)}

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.status == IdentityVerification.Status.PENDING:
            # Nothing decided yet: the decision panel below takes the place of the result.
            return [fieldset for fieldset in self.fieldsets if fieldset is not self.result_fieldset]
        return self.fieldsets

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "institution", "decided_by")

    @method_decorator(require_POST)
    def approve_view(self, request, object_id):
        verification = self.get_for_decision(request, object_id)
        try:
            approve_verification(verification=verification, auditor=request.user)
        except VerificationError as error:
            messages.error(request, error.message)
            return redirect(self._change_url(verification))
        self.log_change(request, verification, _("通过个人身份认证"))
        messages.success(
            request, _("已通过 %(user)s 的个人身份认证。") % {"user": verification.user}
        )
        return redirect(self._changelist_url())

    @method_decorator(require_POST)
    def reject_view(self, request, object_id):
        verification = self.get_for_decision(request, object_id)
        reason = request.POST.get("reject_reason", "")
        try:
            reject_verification(verification=verification, auditor=request.user, reason=reason)
        except VerificationError as error:
            messages.error(request, error.message)
            return redirect(self._change_url(verification))
        self.log_change(
            request, verification, _("驳回个人身份认证：%(reason)s") % {"reason": reason.strip()}
        )
        messages.success(
            request, _("已驳回 %(user)s 的个人身份认证。") % {"user": verification.user}
        )
        return redirect(self._changelist_url())

    def _change_url(self, verification):
        return reverse("admin:accounts_identityverification_change", args=[verification.pk])

    def _changelist_url(self):
        return reverse("admin:accounts_identityverification_changelist")

    @admin.display(description=_("申请人"), ordering="user__real_name")
    def applicant(self, obj):
        return obj.user

    @admin.display(description=_("申请人"))
    def applicant_details(self, obj):
        user = obj.user
        return format_html(
            "{}（{}）<br>{}：{} · {}：{}<br>{}：{} · {}：{}",
            user.real_name or "—",
            user.username,
            _("手机号码"),
            mask_mobile(user.mobile) or "—",
            _("身份证号码"),
            mask_id_number(user.id_number) or "—",
            _("账号来源"),
            user.get_origin_display(),
            _("当前认证状态"),
            user.get_verification_status_display(),
        )

    @admin.display(description=_("所属单位"))
    def institution_details(self, obj):
        institution = obj.institution
        url = reverse("admin:institutions_institution_change", args=[institution.pk])
        return format_html(
            '<a href="{}">{}</a><br>{}', url, institution.name, institution.printed_region
        )

    @admin.display(description=_("登记号核对"))
    def licence_comparison(self, obj):
        on_file = obj.institution.licence_number
        matches = normalize_code(obj.licence_number) == normalize_code(on_file)
        return format_html(
            '<table class="licence-comparison"><tbody>'
            "<tr><th>{}</th><td><code>{}</code></td></tr>"
            "<tr><th>{}</th><td><code>{}</code></td></tr>"
            '</tbody></table><p class="{}">{}</p>',
            _("申请人填写"),
            obj.licence_number,
            _("平台登记"),
            on_file,
            "licence-match" if matches else "licence-mismatch",
            _("✔ 一致，请对照照片核实许可证上的登记号和机构名称。")
            if matches
            else _("✘ 不一致：单位的登记号在提交后被修改过，请核实。"),
        )

    @admin.display(description=_("许可证照片"))
    def licence_photo_preview(self, obj):
        url = reverse("accounts:verification_photo", args=[obj.public_id])
        return format_html(
            '<a class="verification-photo" href="{}" target="_blank" rel="noopener">'
            '<img src="{}" alt="{}"></a><br><a href="{}" target="_blank" rel="noopener">{}</a>',
            url,
            url,
            _("%(institution)s 的医疗机构执业许可证照片") % {"institution": obj.institution},
            url,
            _("在新窗口中查看原图"),
        )

    @admin.display(description=_("认证记录"))
    def submission_history(self, obj):
        rows = format_html_join(
            "",
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    format_html(' class="{}"', "current-submission") if item.pk == obj.pk else "",
                    date_format(localtime(item.submitted_at), "Y-m-d H:i"),
                    item.institution.name,
                    item.get_status_display(),
                    item.reject_reason or "—",
                )
                for item in obj.user.identity_verifications.select_related("institution")
            ),
        )
        return format_html(
            '<table class="submission-history"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("提交时间"),
            _("所属单位"),
            _("审核状态"),
            _("驳回原因"),
            rows,
        )


# django-otp's own admin shows each device's secret and a QR code of it: replaced by one that
# never shows a secret (its module is imported above, so it is registered by now).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(AuditorTOTPDevice)
class AuditorTOTPDeviceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """动态口令设备: who has an authenticator bound, never its secret. Deleting a device makes
    its auditor bind a new one at the next sign-in (or run ``manage.py setup_totp``)."""

    scope_path = None

    list_display = ("account", "device_name", "bound", "created", "last_used")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__real_name")
    fields = list_display
    readonly_fields = list_display

    # django-otp's field names are English and untranslated: the columns say it in Chinese.
    @admin.display(description=_("审核员"), ordering="user__username")
    def account(self, obj):
        return obj.user

    @admin.display(description=_("名称"))
    def device_name(self, obj):
        return obj.name

    @admin.display(description=_("已绑定"), boolean=True)
    def bound(self, obj):
        return obj.confirmed

    @admin.display(description=_("创建时间"), ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("最近使用"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# django-axes' records (sign-in failures and lockouts, by username and address) belong to no
# institution: for nationwide auditors only (审核范围, issue 22 item 1).
class ScopedAccessAttemptAdmin(ScopedAdminMixin, AccessAttemptAdmin):
    scope_path = None


class ScopedAccessLogAdmin(ScopedAdminMixin, AccessLogAdmin):
    scope_path = None


class ScopedAccessFailureLogAdmin(ScopedAdminMixin, AccessFailureLogAdmin):
    scope_path = None


for _model, _admin in (
    (AccessAttempt, ScopedAccessAttemptAdmin),
    (AccessLog, ScopedAccessLogAdmin),
    (AccessFailureLog, ScopedAccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)

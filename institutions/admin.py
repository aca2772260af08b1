from django import forms
from django.contrib import admin, messages
from django.db.models import Case, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.validators import mask_id_number, mask_mobile
from registry.admin_review import ReviewQueueAdminMixin
from registry.scope import ScopedAdminMixin

from .applications import (
    ApplicationError,
    approve_application,
    check_not_registered,
    reject_application,
    resend_activation_code,
)
from .forms import RegionField
from .models import Institution, InstitutionApplication, Region


class ProvinceFilter(admin.SimpleListFilter):
    """省份: institutions whose 行政区划 code starts with the province's two digits."""

    title = "省份"
    parameter_name = "province"

    def lookups(self, request, model_admin):
        return [(r.code, r.name) for r in Region.objects.provinces().current()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.in_province(self.value())
        return queryset


class InstitutionAdminForm(forms.ModelForm):
    region = RegionField()

    class Meta:
        model = Institution
        fields = (
            "name",
            "region",
            "grade",
            "category",
            "credit_code",
            "licence_number",
            "is_base_hospital",
            "is_advanced_stroke_center",
            "status",
        )


@admin.register(Institution)
class InstitutionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_path = "region"
    form = InstitutionAdminForm
    list_display = (
        "name",
        "printed_region",
        "grade",
        "category",
        "is_base_hospital",
        "is_advanced_stroke_center",
        "status",
    )
    list_filter = (
        ProvinceFilter,
        "grade",
        "category",
        "is_base_hospital",
        "is_advanced_stroke_center",
        "status",
    )
    search_fields = ("name", "credit_code", "licence_number", "region_name")
    readonly_fields = ("public_id", "region_name", "created_at", "updated_at")
    list_per_page = 50

    @admin.display(description=_("行政区划"), ordering="region__code")
    def printed_region(self, obj):
        return obj.printed_region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Read-only: divisions come from the versioned fixture (manage.py load_regions)."""

    list_display = ("code", "full_name", "level", "kind", "data_version", "retired_in")
    list_filter = ("level", "data_version", "retired_in")
    search_fields = ("code", "name", "full_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InstitutionApplication)
class InstitutionApplicationAdmin(ScopedAdminMixin, ReviewQueueAdminMixin, admin.ModelAdmin):
    """The 单位注册 queue: pending applications first, the form's data beside the stamped form
    and the certificate (previewed through the protected file view), and 通过 / 驳回 that
    call the services. Nothing here edits a row directly; nothing is added or deleted."""

    scope_path = "region"

    pending_status = InstitutionApplication.Status.PENDING
    review_help = _(
        "驳回时必填：请写明需要申请人修改什么，申请人会在申请页面和短信中看到，修改后可重新提交。"
        "通过时无需填写：通过后将创建医疗机构，并以短信向申请人发送激活码。"
    )

    list_display = (
        "number",
        "name",
        "region_label",
        "applicant",
        "status",
        "submitted_at",
        "decided_at",
        "activated_at",
    )
    list_filter = ("status", ProvinceFilter, "grade", "category")
    search_fields = ("number", "name", "credit_code", "licence_number", "applicant_name")
    list_select_related = ("region", "decided_by", "institution")
    ordering = (
        Case(When(status=InstitutionApplication.Status.PENDING, then=Value(0)), default=Value(1)),
        "-submitted_at",
        "-pk",
    )
    list_per_page = 50
    actions = ("approve_selected", "resend_activation_selected")
    result_fieldset = (
        _("审核结果"),
        {
            "fields": (
                "status",
                "reject_reason",
                "decided_at",
                "decided_by",
                "institution",
                "activation_expires_at",
                "activated_at",
            )
        },
    )
    fieldsets = (
        (
            _("单位信息"),
            {
                "fields": (
                    "number",
                    "name",
                    "region_label",
                    "credit_code",
                    "licence_number",
                    "grade",
                    "category",
                    "address",
                    "legal_representative",
                    "duplicate_check",
                )
            },
        ),
        (_("申请人"), {"fields": ("applicant_details", "created_at", "submitted_at")}),
        (
            _("上传材料"),
            {"fields": ("stamped_form_preview", "certificate_preview", "file_digests")},
        ),
        result_fieldset,
    )
    readonly_fields = (
        "number",
        "name",
        "region_label",
        "credit_code",
        "licence_number",
        "grade",
        "category",
        "address",
        "legal_representative",
        "duplicate_check",
        "applicant_details",
        "created_at",
        "submitted_at",
        "stamped_form_preview",
        "certificate_preview",
        "file_digests",
        "status",
        "reject_reason",
        "decided_at",
        "decided_by",
        "institution",
        "activation_expires_at",
        "activated_at",
    )

    class Media:
        css = {"all": ("css/admin-verification.css", "css/admin-application.css")}

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_decide_permission(request):
            return {}
        return actions

    @method_decorator(require_POST)
    def approve_view(self, request, object_id):
        application = self.get_for_decision(request, object_id)
        if self._approve(request, application):
            return redirect("admin:institutions_institutionapplication_changelist")
        return redirect("admin:institutions_institutionapplication_change", application.pk)

    @method_decorator(require_POST)
    def reject_view(self, request, object_id):
        application = self.get_for_decision(request, object_id)
        reason = request.POST.get("reject_reason", "")
        try:
            reject_application(application=application, auditor=request.user, reason=reason)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("admin:institutions_institutionapplication_change", application.pk)
        self.log_change(
            request, application, _("驳回单位注册申请：%(reason)s") % {"reason": reason.strip()}
        )
        messages.success(
            request,
            _("已驳回 %(name)s 的单位注册申请，已短信通知申请人。") % {"name": application.name},
        )
        return redirect("admin:institutions_institutionapplication_changelist")

    @admin.action(description=_("通过所选的单位注册申请"))
    def approve_selected(self, request, queryset):
        for application in queryset:
            self._approve(request, application)

    @admin.action(description=_("重新发送激活码（已通过、未激活）"))
    def resend_activation_selected(self, request, queryset):
        for application in queryset:
            try:
                resend_activation_code(application=application, auditor=request.user)
            except ApplicationError as error:
                messages.error(request, f"{application.number}：{error.message}")
            else:
                self.log_change(request, application, _("重新发送激活码"))
                messages.success(
                    request, _("已重新发送 %(number)s 的激活码。") % {"number": application.number}
                )

    def _approve(self, request, application):
        try:
            approve_application(application=application, auditor=request.user)
        except ApplicationError as error:
            messages.error(request, f"{application.number}：{error.message}")
            return False
        self.log_change(request, application, _("通过单位注册申请"))
        messages.success(
            request,
            _("已通过 %(name)s 的单位注册申请，医疗机构已创建，激活码已短信发送给申请人。")
            % {"name": application.name},
        )
        return True

    @admin.display(description=_("行政区划"), ordering="region__code")
    def region_label(self, obj):
        return obj.region.printed_full_name

    @admin.display(description=_("申请人"), ordering="applicant_name")
    def applicant(self, obj):
        return f"{obj.applicant_name} {mask_mobile(obj.applicant_mobile)}"

    @admin.display(description=_("申请人"))
    def applicant_details(self, obj):
        return format_html(
            "{}<br>{}：{} · {}：{}<br>{}：{}",
            obj.applicant_name,
            _("手机号码"),
            mask_mobile(obj.applicant_mobile),
            _("身份证号码"),
            mask_id_number(obj.applicant_id_number),
            _("电子邮箱"),
            obj.applicant_email,
        )

    @admin.display(description=_("重复检查"))
    def duplicate_check(self, obj):
        if obj.status != InstitutionApplication.Status.PENDING:
            return "—"
        try:
            check_not_registered(
                credit_code=obj.credit_code, licence_number=obj.licence_number, exclude=obj
            )
        except ApplicationError as error:
            return format_html('<p class="licence-mismatch">✘ {}</p>', error.message)
        return format_html(
            '<p class="licence-match">{}</p>',
            _("✔ 平台中没有相同统一社会信用代码或执业许可证登记号的单位。"),
        )

    @admin.display(description=_("盖章登记表"))
    def stamped_form_preview(self, obj):
        return self._preview(obj, "stamped-form", obj.stamped_form, obj.stamped_form_type)

    @admin.display(description=_("事业单位法人证书"))
    def certificate_preview(self, obj):
        return self._preview(obj, "certificate", obj.certificate, obj.certificate_type)

    @admin.display(description=_("文件摘要（SHA-256）"))
    def file_digests(self, obj):
        return format_html(
            "{}：<code>{}</code><br>{}：<code>{}</code>",
            _("盖章登记表"),
            obj.stamped_form_sha256 or "—",
            _("法人证书"),
            obj.certificate_sha256 or "—",
        )

    def _preview(self, obj, kind, stored, content_type):
        if not stored:
            return _("未上传")
        url = reverse("institutions:application_file", args=[obj.number, kind])
        link = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("在新窗口中查看原件")
        )
        if content_type == InstitutionApplication.FileKind.PDF:
            return format_html(
                '<object class="application-pdf" data="{}" type="application/pdf" '
                'aria-label="{}">{}</object><br>{}（{}）',
                url,
                _("%(name)s 的盖章登记表") % {"name": obj.name},
                link,
                link,
                _("PDF，%(pages)d页") % {"pages": obj.stamped_form_pages},
            )
        return format_html(
            '<a class="verification-photo" href="{}" target="_blank" rel="noopener">'
            '<img src="{}" alt="{}"></a><br>{}',
            url,
            url,
            _("%(name)s 的上传材料") % {"name": obj.name},
            link,
        )

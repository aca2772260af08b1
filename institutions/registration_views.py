"""单位注册 (the application in steps, print, uploads, status) and 账号激活.

The applicant has no account yet. Their session holds the numbers of the applications they
started or proved their mobile for (``remember_application``); every page of an application
goes through ``get_application_for_applicant``, so a number in a URL gives nobody else
access: 404.
"""

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from accounts import mobile_proof, second_factor
from accounts.uploads import UploadSizeLimit
from registry.downloads import stored_file_response

from .application_forms import (
    FORM_ACCEPT,
    IMAGE_ACCEPT,
    ActivationForm,
    ApplicationForm,
    ResumeForm,
    StartApplicationForm,
    UploadForm,
)
from .applications import (
    ApplicationError,
    activate_account,
    attach_upload,
    missing_parts,
    save_application,
    start_application,
    submit_application,
)
from .models import InstitutionApplication
from .uploads import MAX_CERTIFICATE_BYTES, MAX_FORM_BYTES

SESSION_KEY = "institution_applications"
# The two uploads: (title, size limit, file picker filter).
UPLOADS = {
    "stamped-form": (
        gettext_lazy("上传盖章的《单位注册信息登记表》"),
        gettext_lazy("盖章登记表（图片或PDF）"),
        MAX_FORM_BYTES,
        FORM_ACCEPT,
    ),
    "certificate": (
        gettext_lazy("上传事业单位法人证书"),
        gettext_lazy("事业单位法人证书照片"),
        MAX_CERTIFICATE_BYTES,
        IMAGE_ACCEPT,
    ),
}
FILE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def remember_application(session, application):
    """Let this browser session reach ``application`` from now on."""
    numbers = [n for n in session.get(SESSION_KEY, []) if n != application.number]
    session[SESSION_KEY] = [*numbers[-9:], application.number]


def get_application_for_applicant(request, number, *, auditors=False):
    """The application ``number`` if this session started or resumed it (or, with
    ``auditors``, the visitor is an auditor); 404 otherwise."""
    user = request.user
    if auditors and user.is_authenticated and user.is_active and user.is_staff:
        return get_object_or_404(InstitutionApplication, number=number)
    if number not in request.session.get(SESSION_KEY, []):
        raise Http404
    return get_object_or_404(InstitutionApplication, number=number)


def register(request):
    """单位注册, step 1: the 《单位注册信息登记表》 with the applicant's mobile confirmed by SMS."""
    form = StartApplicationForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = start_application(data=data, mobile=data["applicant_mobile"])
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            mobile_proof.forget(request.session)
            request.session.cycle_key()
            remember_application(request.session, application)
            messages.success(
                request,
                _("登记表已保存，申请编号为 %(number)s，请牢记。下一步：打印登记表并盖章。")
                % {"number": application.number},
            )
            return redirect("institutions:application", number=application.number)
    return _form_page(request, "institutions/register.html", {"form": form})


def resume(request):
    """继续申请 / 查询进度: application number + mobile + SMS code open the application."""
    form = ResumeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        application = InstitutionApplication.objects.filter(
            number=form.cleaned_data["number"], applicant_mobile=form.cleaned_data["mobile"]
        ).first()
        if application is None:
            form.add_error("number", _("没有找到该手机号提交的这个申请编号，请核对申请编号。"))
        else:
            request.session.cycle_key()
            remember_application(request.session, application)
            return redirect("institutions:application", number=application.number)
    return render(request, "institutions/application_resume.html", {"form": form})


@require_GET
def application_detail(request, number):
    """The application's status and its steps, with 提交 once everything is there."""
    application = get_application_for_applicant(request, number)
    return render(
        request,
        "institutions/application_detail.html",
        {"application": application, "missing": missing_parts(application)},
    )


def application_edit(request, number):
    """Correct the 《单位注册信息登记表》 while the application is a draft or rejected."""
    application = get_application_for_applicant(request, number)
    if not application.is_editable:
        messages.error(request, _("申请已提交，不能修改。"))
        return redirect("institutions:application", number=number)
    form = ApplicationForm(request.POST or None, instance=application, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            save_application(application=application, data=form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("登记表已保存。修改后请重新打印并盖章上传。"))
            return redirect("institutions:application", number=number)
    return _form_page(
        request, "institutions/application_edit.html", {"form": form, "application": application}
    )


def _form_page(request, template, context):
    """The form page; 429 with Retry-After when its checks of whether the applicant's ID
    number or mobile is registered were over the limit (accounts.mobile_proof)."""
    wait = context["form"].retry_after
    context["proof_minutes"] = settings.SMS_CODE_TTL_SECONDS // 60
    response = render(request, template, context, status=429 if wait else 200)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@require_GET
def application_print(request, number):
    """《单位注册信息登记表》 as an A4 page to print, sign and stamp."""
    application = get_application_for_applicant(request, number)
    return render(
        request,
        "institutions/application_print.html",
        {"application": application, "today": timezone.localdate()},
    )


@csrf_exempt
def application_upload(request, number, kind):
    """Step 3 or 4: the stamped form (image or PDF) or the certificate (image).

    The CSRF check runs inside, after the size limit is installed (see the verification
    view: upload handlers cannot change once the body has been read)."""
    if kind not in UPLOADS:
        raise Http404
    max_bytes = UPLOADS[kind][2]
    limit = UploadSizeLimit(request, max_request=max_bytes + 64 * 1024, max_file=max_bytes)
    request.upload_handlers.insert(0, limit)
    return _upload_page(request, number, kind, limit)


@csrf_protect
def _upload_page(request, number, kind, limit):
    application = get_application_for_applicant(request, number)
    title, label, max_bytes, accept = UPLOADS[kind]
    form, status = UploadForm(label=label, accept=accept), 200
    if request.method == "POST":
        if not application.is_editable:
            messages.error(request, _("申请已提交，不能修改。"))
            return redirect("institutions:application", number=number)
        too_large = None
        files = request.FILES  # reads the body, through the limit
        if limit.exceeded:
            too_large = _("文件大小不能超过%(mb)dMB，请压缩后重新上传。") % {
                "mb": max_bytes // (1024 * 1024)
            }
            status = 413
        form = UploadForm(request.POST, files, label=label, accept=accept, file_error=too_large)
        if form.is_valid():
            try:
                attach_upload(
                    application=application, kind=kind, uploaded=form.cleaned_data["file"]
                )
            except ApplicationError as error:
                form.add_error("file", error.message)
                status = 400
            else:
                messages.success(request, _("上传成功。"))
                return redirect("institutions:application", number=number)
    context = {"application": application, "form": form, "kind": kind, "title": title}
    return render(request, "institutions/application_upload.html", context, status=status)


@require_GET
@xframe_options_sameorigin
def application_file(request, number, kind):
    """An uploaded file, for the applicant and auditors only (the admin embeds it)."""
    application = get_application_for_applicant(request, number, auditors=True)
    if kind not in UPLOADS:
        raise Http404
    stored = application.stamped_form if kind == "stamped-form" else application.certificate
    content_type = (
        application.stamped_form_type if kind == "stamped-form" else application.certificate_type
    )
    if not stored or content_type not in FILE_EXTENSIONS:
        raise Http404
    filename = f"{application.number}-{kind}.{FILE_EXTENSIONS[content_type]}"
    return stored_file_response(stored, content_type, filename)


@require_POST
def application_submit(request, number):
    """提交 (or resubmit after rejection): status 待审核."""
    application = get_application_for_applicant(request, number)
    try:
        submit_application(application=application)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("申请已提交，请等待平台审核。审核结果将以短信通知申请人。"))
    return redirect("institutions:application", number=number)


def activate(request):
    """账号激活: mobile + SMS code + activation code → username and password → signed in."""
    form = ActivationForm(request.POST or None, session=request.session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = activate_account(
                mobile=data["mobile"],
                activation_code=data["activation_code"],
                username=data["username"],
                password=data["password1"],
            )
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        except IntegrityError:
            form.add_error(None, _("用户名或手机号刚刚已被使用，请核对后重试。"))
        else:
            mobile_proof.forget(request.session)
            # Mobile (SMS code), 激活码 and the new password are proved: no second code.
            second_factor.sign_in_after_proof(request, user, via="activation")
            messages.success(
                request,
                _("激活成功！您已是 %(institution)s 的单位管理员。")
                % {"institution": user.institution},
            )
            return redirect("welcome")
    return render(
        request,
        "institutions/activate.html",
        {
            "form": form,
            "resume_url": reverse("institutions:resume"),
            "proof_minutes": settings.SMS_CODE_TTL_SECONDS // 60,
        },
    )

"""个人身份认证: the submission page, and the licence photo for its submitter and auditors."""

from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from registry.downloads import stored_file_response

from ..forms.verification import VerificationForm
from ..models import IdentityVerification
from ..uploads import MAX_IMAGE_BYTES, UploadSizeLimit
from ..verification import VerificationError, can_submit, check_can_submit, submit_verification

# The photo plus the 登记号, the CSRF token and the multipart framing.
MAX_REQUEST_BYTES = MAX_IMAGE_BYTES + 64 * 1024
# Stored photos are re-encodings, so only these two kinds exist on disk.
PHOTO_CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


def get_verification_for_user(user, public_id):
    """The submission with this id if ``user`` submitted it or is an auditor; 404 otherwise."""
    return get_object_or_404(IdentityVerification.objects.visible_to(user), public_id=public_id)


@csrf_exempt
@login_required
def verification(request):
    """个人身份认证: the account's status, its submissions, and the form while it may submit.

    The CSRF check is applied inside, after the size limit is installed: the check reads
    the body, and upload handlers cannot be changed once it has been read.
    """
    limit = UploadSizeLimit(request, max_request=MAX_REQUEST_BYTES, max_file=MAX_IMAGE_BYTES)
    request.upload_handlers.insert(0, limit)
    return _verification_page(request, limit)


@csrf_protect
def _verification_page(request, limit):
    user = request.user
    if not user.needs_verification:
        return _render(request, form=None)
    if request.method == "POST":
        return _submit(request, limit)
    return _render(request, form=VerificationForm() if can_submit(user) else None)


def _submit(request, limit):
    user = request.user
    try:
        check_can_submit(user)
    except VerificationError as error:
        messages.error(request, error.message)
        return redirect("accounts:verification")
    data, files = request.POST, request.FILES  # reads the body, through the limit
    photo_error = None
    if limit.exceeded:
        photo_error = _("图片大小不能超过%(mb)dMB，请压缩后重新上传。") % {
            "mb": MAX_IMAGE_BYTES // (1024 * 1024)
        }
    form = VerificationForm(data, files, photo_error=photo_error)
    if form.is_valid():
        try:
            submit_verification(
                user=user,
                licence_number=form.cleaned_data["licence_number"],
                photo=form.cleaned_data["photo"],
            )
        except VerificationError as error:
            form.add_error(error.field, error.message)
        else:
            notice = _("认证材料已提交，请等待平台审核员审核。")
            if user.mobile:
                notice += _("审核结果将以短信通知您。")
            messages.success(request, notice)
            return redirect("accounts:verification")
    return _render(request, form=form, status=413 if limit.exceeded else 200)


def _render(request, *, form, status=200):
    history = list(request.user.identity_verifications.select_related("institution"))
    context = {"form": form, "history": history, "latest": history[0] if history else None}
    return render(request, "accounts/verification.html", context, status=status)


@login_required
@require_GET
def verification_photo(request, public_id):
    """The stored licence photo, inline, for its submitter and for auditors; 404 to anyone
    else and when the file is gone."""
    verification = get_verification_for_user(request.user, public_id)
    content_type = PHOTO_CONTENT_TYPES.get(
        PurePosixPath(verification.licence_photo.name).suffix.lower()
    )
    if content_type is None:
        raise Http404
    name = PurePosixPath(verification.licence_photo.name).name
    return stored_file_response(verification.licence_photo, content_type, name)

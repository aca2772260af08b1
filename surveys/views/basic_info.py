"""基本信息 pages: 修改 and 编辑日志, plus the form the registry home shows on the first visit.

Every page shows the signed-in user's own institution's 基本信息 only: no URL takes an id,
so there is nothing of another institution to ask for. The registry home itself (the card
and the report list with its case counts) is ``casesets.report_views.home``, built from
``surveys.views.reports.home_context``."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.decorators import institution_member_required
from accounts.validators import mask_mobile

from ..basic_info import (
    BasicInfoError,
    basic_info_of,
    initial_from_institution,
    revisions,
    save_basic_info,
)
from ..forms.basic_info import BasicInfoForm
from ..models import BasicInfo

HISTORY_PAGE_SIZE = 50


def first_visit(request):
    """The registry home before 基本信息 exists: its form, pre-filled from the institution
    (called by ``casesets.report_views.home``, which is behind the verification gate)."""
    return _edit(request, None, template="surveys/home.html")


def card_context(info):
    """What templates/surveys/includes/basic_info_card.html needs."""
    masked = {name: mask_mobile(getattr(info, name)) for name in BasicInfo.MOBILE_FIELDS}
    return {"basic_info": info, "masked": masked}


@institution_member_required
def basic_info(request):
    """修改 基本信息."""
    info = basic_info_of(request.user.institution_id)
    return _edit(request, info, template="surveys/basic_info_form.html")


def _edit(request, info, *, template):
    initial = None if info else initial_from_institution(request.user.institution)
    form = BasicInfoForm(request.POST or None, instance=info, initial=initial)
    if request.method == "POST" and form.is_valid():
        if info is not None and not form.has_changed():
            messages.info(request, _("基本信息没有修改。"))
            return redirect("surveys:home")
        try:
            save_basic_info(form.save(commit=False), request.user)
        except BasicInfoError as error:
            messages.error(request, error.message)
            return redirect("surveys:basic_info")
        messages.success(request, _("基本信息已保存。"))
        return redirect("surveys:home")
    return render(request, template, {"form": form, "is_new": info is None})


@institution_member_required
def basic_info_history(request):
    """编辑日志: every save of 基本信息, newest first, field by field."""
    records = BasicInfo.history.filter(institution_id=request.user.institution_id).order_by(
        "-history_date", "-history_id"
    )
    page = Paginator(records.select_related("history_user"), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    previous = None
    if rows and rows[-1].history_type != "+":
        # The save just older than this page, so the page's oldest save is diffed too.
        last = rows[-1]
        previous = records.filter(
            Q(history_date__lt=last.history_date)
            | Q(history_date=last.history_date, history_id__lt=last.history_id)
        ).first()
    return render(
        request,
        "surveys/basic_info_history.html",
        {"page": page, "revisions": revisions(rows, previous)},
    )

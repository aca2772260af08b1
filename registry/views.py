"""Pages that belong to no chapter: 欢迎, the help pages, the health check and the 400 page."""

from django.db import DatabaseError, connection
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from binding.reminder import should_remind
from surveys.reminders import welcome_notice

from .context_processors import build_menu
from .input_guard import MESSAGE as INPUT_GUARD_MESSAGE
from .input_guard import ImpossibleCharacters

HELP_PAGES = {
    "menus": (_("菜单说明"), "help/menus.html"),
    "filling": (_("填写说明"), "help/filling.html"),
    "manual": (_("操作手册"), "help/manual.html"),
}


def welcome(request):
    """欢迎: the signed-in user's start page; anonymous visitors go to the login page."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    entry_points = [item for group in build_menu(request.user) for item in group["items"]]
    context = {
        "entry_points": entry_points,
        "binding_reminder": should_remind(request),
        "report_notice": welcome_notice(request.user),
    }
    return render(request, "welcome.html", context)


def help_page(request, page):
    title, template = HELP_PAGES[page]
    return render(request, template, {"title": title})


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 otherwise (for load balancers and the run script)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def favicon(request):
    """/favicon.ico: the platform's icon (static/img/favicon.svg), by a permanent redirect to
    its hashed static URL, for pages whose template links none (Django's admin)."""
    return redirect(static("img/favicon.svg"), permanent=True)


def bad_request(request, exception):
    """handler400: the platform's 400 page, or JSON for the pages' fetch() calls. Rendered
    without the request's context, like the 500 page: what made the request bad (a cookie
    the session store cannot look up, say) must not be read again to draw the menu."""
    if isinstance(exception, ImpossibleCharacters):
        message = INPUT_GUARD_MESSAGE
    else:
        message = _("请求无法处理，请返回上一页检查填写的内容后重试。")
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return JsonResponse({"ok": False, "message": str(message)}, status=400)
    return HttpResponseBadRequest(render_to_string("400.html", {"message": message}))

"""Pages that belong to no chapter: 欢迎, the help pages and the health check."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from binding.reminder import should_remind

from .context_processors import build_menu

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
    context = {"entry_points": entry_points, "binding_reminder": should_remind(request)}
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

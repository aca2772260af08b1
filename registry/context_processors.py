"""The left 功能菜单, declared once.

An entry is shown only when its URL exists (features land issue by issue; a menu entry for
something not built yet is hidden, never a dead link) and when its ``visible`` test passes
for the signed-in user.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

MENU = (
    (
        _("用户管理"),
        "bi-people",
        (
            (
                _("个人中心"),
                "accounts:profile",
                None,
                "bi-person-vcard",
                _("个人信息、修改密码、更换手机号"),
            ),
            (
                _("个人身份认证"),
                "accounts:verification",
                lambda user: user.needs_verification,
                "bi-patch-check",
                _("上传医疗机构执业许可证，认证后可填报本单位数据"),
            ),
            (
                _("本单位用户"),
                "institutions:users",
                lambda user: user.is_institution_admin,
                "bi-people",
                _("查看本单位的用户，停用或启用账号"),
            ),
        ),
    ),
    (
        _("中国脑血管病登记"),
        "bi-clipboard2-pulse",
        (
            (
                _("脑血管病登记"),
                "surveys:home",
                None,
                "bi-clipboard2-pulse",
                _("基本信息、模板下载及数据上传、年度调查表"),
            ),
            (
                _("绑定既往数据"),
                "binding:home",
                None,
                "bi-link-45deg",
                _("绑定本单位以往在旧平台填报的数据"),
            ),
            (
                _("质控报告"),
                "quality:report",
                lambda user: user.can_see_institution_data,
                "bi-graph-up",
                _("本院各项质控指标与省内、全国对比及历年趋势，可打印、下载Excel"),
            ),
        ),
    ),
)

HELP_TABS = (
    (_("菜单说明"), "help_menus"),
    (_("欢迎"), "welcome"),
    (_("填写说明"), "help_filling"),
    (_("操作手册"), "help_manual"),
)


def url_if_built(name):
    """The URL of a named page, or None while the feature behind it is not built yet."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def build_menu(user, current_path=""):
    groups = []
    for title, group_icon, entries in MENU:
        items = []
        for label, url_name, visible, icon, description in entries:
            url = url_if_built(url_name)
            if url is None or (visible is not None and not visible(user)):
                continue
            items.append(
                {
                    "label": label,
                    "url": url,
                    "icon": icon,
                    "description": description,
                    "active": current_path.startswith(url),
                }
            )
        if items:
            groups.append({"title": title, "icon": group_icon, "items": items})
    return groups


def menu(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "menu_groups": build_menu(user, request.path),
        "help_tabs": [
            {"label": label, "url": url, "active": request.path == url}
            for label, url in ((label, url_if_built(name)) for label, name in HELP_TABS)
            if url
        ],
    }

from django.urls import reverse

from registry.context_processors import MENU, build_menu


def _menu_labels(user):
    return [item["label"] for group in build_menu(user) for item in group["items"]]


def test_menu_shows_the_manual_groups(client, alice):
    client.force_login(alice)

    response = client.get(reverse("welcome"))

    assert "功能菜单" in response.text
    assert "用户管理" in response.text
    assert "个人中心" in response.text


def test_every_menu_link_opens_a_page(client, alice, newcomer):
    for user in (alice, newcomer):
        client.force_login(user)
        for group in build_menu(user):
            for item in group["items"]:
                response = client.get(item["url"])
                if user.can_see_institution_data:
                    assert response.status_code == 200, item
                else:
                    # Institution pages answer an unverified user with the 个人身份认证 prompt.
                    prompt = 'id="verification-required"' in response.text
                    assert response.status_code == 200 or (
                        response.status_code == 403 and prompt
                    ), item


def test_entries_of_features_not_built_are_hidden(alice):
    declared = {entry[0] for _title, _icon, entries in MENU for entry in entries}
    shown = set(_menu_labels(alice))

    for label in declared - shown:
        # 本单位用户 is built but shown only to institution admins.
        assert label in {"个人身份认证", "本单位用户", "脑血管病登记", "绑定既往数据"}, label


def test_verification_entry_only_for_accounts_that_need_it(alice, alice_admin, newcomer):
    # Shown only once the 个人身份认证 page exists; never to verified users or admins.
    assert "个人身份认证" not in _menu_labels(alice)
    assert "个人身份认证" not in _menu_labels(alice_admin)


def test_help_tabs_on_every_signed_in_page(client, alice):
    client.force_login(alice)

    response = client.get(reverse("accounts:profile"))

    for tab in ("菜单说明", "欢迎", "填写说明", "操作手册"):
        assert tab in response.text


def test_welcome_warns_unverified_user(client, newcomer):
    client.force_login(newcomer)

    response = client.get(reverse("welcome"))

    assert "个人身份认证" in response.text
    assert "认证通过后才能查看和填报本单位的数据" in response.text


def test_auditor_sees_the_admin_entry(client, auditor):
    client.force_login(auditor)

    response = client.get(reverse("welcome"))

    assert reverse("admin:index") in response.text


def test_pages_are_chinese_for_an_english_browser(client, db):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert "用户名" in response.text
    assert "Username" not in response.text


def test_groups_keep_their_own_icons(alice):
    icons = {group["title"]: group["icon"] for group in build_menu(alice)}

    assert icons["用户管理"] == "bi-people"

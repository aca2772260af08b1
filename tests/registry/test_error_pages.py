from django.test import override_settings


@override_settings(DEBUG=False)
def test_unknown_page_shows_the_platform_404(client, alice):
    client.force_login(alice)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在或您无权查看" in response.text
    assert "功能菜单" in response.text


@override_settings(DEBUG=False)
def test_anonymous_404_uses_the_public_layout(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "中国脑血管病登记平台" in response.text
    assert "功能菜单" not in response.text


def test_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")

    assert "服务器暂时出现问题" in html

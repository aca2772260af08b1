"""身份证号码 and mobiles masked in the admin pages auditors read (security checklist 8.2)."""

from django.urls import reverse

from surveys.models import BasicInfo
from tests.surveys.test_basic_info import make_basic_info

FULL = ("13812345678", "11010519491231002X", "13800138000", "13900139000")


def _shows_nothing_in_full(response):
    assert response.status_code == 200
    return [value for value in FULL if value in response.text] == []


def test_user_change_page_shows_mobile_and_id_number_masked(client, auditor, alice):
    alice.mobile, alice.id_number = "13812345678", "11010519491231002X"
    alice.save()
    client.force_login(auditor)

    response = client.get(reverse("admin:accounts_user_change", args=[alice.pk]))

    assert "138****5678" in response.text and "1101**********002X" in response.text
    assert _shows_nothing_in_full(response)


def test_basic_info_admin_pages_show_mobiles_masked(client, auditor, alice):
    make_basic_info(alice)
    info = BasicInfo.objects.get(institution=alice.institution)
    history = info.history.latest()
    client.force_login(auditor)

    change = client.get(reverse("admin:surveys_basicinfo_change", args=[info.pk]))
    past = client.get(
        reverse("admin:surveys_basicinfo_simple_history", args=[info.pk, history.history_id])
    )

    assert "138****8000" in change.text and "139****9000" in change.text
    assert _shows_nothing_in_full(change)
    assert "138****8000" in past.text
    assert _shows_nothing_in_full(past)

"""填报时间 and 延期 in the admin: auditors set a year's window and one institution's
extension; the report page shows the window in force."""

import datetime
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from surveys import reports
from surveys.models import ReportingWindow, WindowExtension
from tests.factories import AuditorFactory
from tests.surveys.test_report_admin import draft_report

WINDOWS = reverse("admin:surveys_reportingwindow_changelist")
ADD_WINDOW = reverse("admin:surveys_reportingwindow_add")
EXTENSIONS = reverse("admin:surveys_windowextension_changelist")
ADD_EXTENSION = reverse("admin:surveys_windowextension_add")


@pytest.fixture
def desk(client, auditor):
    client.force_login(auditor)
    return client


def window_form(**changes):
    data = {
        "data_year": "2025",
        "opens_on": "2026-02-01",
        "closes_on": "2026-04-30",
        "review_levels": "1",
    }
    data.update(changes)
    return data


def extension_form(institution, **changes):
    data = {
        "institution": str(institution.pk),
        "data_year": "2025",
        "until": "2026-05-15",
        "reason": "补报",
    }
    data.update(changes)
    return data


# 填报时间 ------------------------------------------------------------------------------------


def test_window_page_explains_the_default(desk):
    response = desk.get(ADD_WINDOW)

    assert "数据年度次年的2月1日至3月31日" in response.text
    assert "北京时间" in response.text and "24时" in response.text


def test_saving_a_window_records_the_auditor(desk, auditor):
    response = desk.post(ADD_WINDOW, window_form())

    assert response.status_code == 302
    window = ReportingWindow.objects.get(data_year=2025)
    assert (window.opens_on, window.closes_on) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 4, 30),
    )
    assert window.updated_by == auditor


def test_a_saved_window_moves_the_reporting_access(desk, institution_a, monkeypatch):
    desk.post(ADD_WINDOW, window_form())
    monkeypatch.setattr(reports, "today", lambda: datetime.date(2026, 4, 20))

    assert reports.reporting_access(institution_a.pk, 2025).is_open


def test_a_window_that_closes_before_it_opens_is_refused(desk):
    response = desk.post(ADD_WINDOW, window_form(opens_on="2026-03-01", closes_on="2026-02-01"))

    assert response.status_code == 200
    # The database's rule, with its message (issue 20 item 5: written once, on the model).
    assert response.context["adminform"].form.non_field_errors() == [
        "截止日期不能早于开始日期，请重新选择。"
    ]
    assert not ReportingWindow.objects.exists()


def test_a_window_of_one_day_is_allowed(desk):
    desk.post(ADD_WINDOW, window_form(opens_on="2026-02-01", closes_on="2026-02-01"))

    assert ReportingWindow.objects.filter(data_year=2025).exists()


def test_a_second_window_for_the_same_year_is_refused(desk):
    desk.post(ADD_WINDOW, window_form())

    response = desk.post(ADD_WINDOW, window_form(closes_on="2026-05-31"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["data_year"]
    assert ReportingWindow.objects.get().closes_on == datetime.date(2026, 4, 30)


def test_changing_a_window_records_who_changed_it(desk, auditor):
    window = ReportingWindow.objects.create(
        data_year=2025, opens_on=datetime.date(2026, 2, 1), closes_on=datetime.date(2026, 3, 31)
    )

    desk.post(
        reverse("admin:surveys_reportingwindow_change", args=[window.pk]),
        window_form(closes_on="2026-04-15"),
    )

    window.refresh_from_db()
    assert window.closes_on == datetime.date(2026, 4, 15)
    assert window.updated_by == auditor


# 延期 ----------------------------------------------------------------------------------------


def test_saving_an_extension_records_the_auditor(desk, auditor, institution_a):
    response = desk.post(ADD_EXTENSION, extension_form(institution_a))

    assert response.status_code == 302
    extension = WindowExtension.objects.get()
    assert (extension.institution, extension.data_year, extension.until) == (
        institution_a,
        2025,
        datetime.date(2026, 5, 15),
    )
    assert extension.granted_by == auditor


def test_a_second_extension_for_the_same_institution_and_year_is_refused(desk, institution_a):
    desk.post(ADD_EXTENSION, extension_form(institution_a))

    response = desk.post(ADD_EXTENSION, extension_form(institution_a, until="2026-06-30"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert WindowExtension.objects.get().until == datetime.date(2026, 5, 15)


def test_extension_picks_the_institution_by_autocomplete(desk, institution_a, institution_b):
    page = desk.get(ADD_EXTENSION)
    assert "admin-autocomplete" in page.text

    response = desk.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "surveys",
            "model_name": "windowextension",
            "field_name": "institution",
            "term": "乙",
        },
    )

    results = json.loads(response.content)["results"]
    assert [result["id"] for result in results] == [str(institution_b.pk)]


def test_extension_add_page_is_prefilled_from_the_report(desk, alice):
    report = draft_report(alice)

    page = desk.get(reverse("admin:surveys_report_change", args=[report.pk]))
    link = f"{ADD_EXTENSION}?institution={alice.institution_id}&amp;data_year=2025"
    assert link in page.text

    form = desk.get(link.replace("&amp;", "&")).context["adminform"].form
    assert str(form.initial["institution"]) == str(alice.institution_id)
    assert str(form.initial["data_year"]) == "2025"


def test_extensions_are_filtered_by_year(desk, institution_a, institution_b):
    WindowExtension.objects.create(
        institution=institution_a, data_year=2024, until=datetime.date(2025, 5, 1)
    )
    this_year = WindowExtension.objects.create(
        institution=institution_b, data_year=2025, until=datetime.date(2026, 5, 1)
    )

    response = desk.get(EXTENSIONS, {"data_year": "2025"})

    assert list(response.context["cl"].result_list) == [this_year]


def test_an_extension_opens_the_report_page_window(desk, alice, monkeypatch):
    report = draft_report(alice)
    desk.post(ADD_EXTENSION, extension_form(alice.institution))
    monkeypatch.setattr(reports, "today", lambda: datetime.date(2026, 5, 1))

    response = desk.get(reverse("admin:surveys_report_change", args=[report.pk]))

    assert "本单位延期至2026年5月15日" in response.text
    assert "目前在填报时间内" in response.text


def test_report_page_says_when_the_window_is_closed(desk, alice, monkeypatch):
    report = draft_report(alice)
    monkeypatch.setattr(reports, "today", lambda: datetime.date(2026, 4, 2))

    response = desk.get(reverse("admin:surveys_report_change", args=[report.pk]))

    assert "2026年2月1日至2026年3月31日。目前不在填报时间内，医院只能查看。" in response.text


# Who may ----------------------------------------------------------------------------------


def test_staff_who_may_only_view_cannot_save_windows(client, db):
    viewer = AuditorFactory(username="viewer", is_superuser=False, auditor_group=False)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_reportingwindow"),
        Permission.objects.get(codename="view_windowextension"),
    )
    client.force_login(viewer)

    assert client.get(WINDOWS).status_code == 200
    assert client.post(ADD_WINDOW, window_form()).status_code == 403
    assert not ReportingWindow.objects.exists()


def test_a_hospital_user_cannot_set_windows_or_extensions(client, alice):
    client.force_login(alice)

    for url in (WINDOWS, ADD_WINDOW, EXTENSIONS, ADD_EXTENSION):
        response = client.post(url, window_form())
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert not ReportingWindow.objects.exists()
    assert not WindowExtension.objects.exists()

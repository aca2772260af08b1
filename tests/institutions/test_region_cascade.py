"""The cascading 行政区划 field: the options endpoint, RegionField and its widget."""

import re

import pytest
from django.urls import reverse

from institutions.models import Region
from tests.institutions.cascade_urls import RegionDemoForm

LEAF_MESSAGE = "请选择到县（区）一级的行政区划。"


def option_values(html):
    return re.findall(r'<option value="([^"]*)"', html)


def get_options(client, parent=None):
    params = {} if parent is None else {"parent": parent}
    return client.get(reverse("institutions:region_options"), params)


def selects(html):
    """{select id: (option values, selected value, attributes)} of a rendered page."""
    found = {}
    for attrs, body in re.findall(r"<select([^>]*)>(.*?)</select>", html, re.S):
        select_id = re.search(r'id="([^"]+)"', attrs).group(1)
        selected = re.search(r'<option value="([^"]*)"[^>]* selected>', body)
        found[select_id] = (option_values(body), selected.group(1) if selected else "", attrs)
    return found


def column_hidden(html, select_id):
    pattern = r'<div class="([^"]*)" data-region-column>\s*<select[^>]*id="' + select_id + '"'
    column = re.search(pattern, html)
    return "d-none" in column.group(1)


class TestOptionsEndpoint:
    def test_no_parent_gives_the_provinces_to_anyone(self, client, regions):
        response = get_options(client)

        values = option_values(response.text)
        assert response.status_code == 200
        assert values[0] == ""
        assert len(values) == 32 and values[1] == "110000" and values[-1] == "650000"
        assert "北京市" in response.text

    def test_responses_are_cached_publicly_for_a_day(self, client, regions):
        response = get_options(client, "110000")

        assert set(response["Cache-Control"].split(", ")) == {"max-age=86400", "public"}
        assert "Vary" not in response

    def test_municipality_lists_its_districts_directly_as_leaves(self, client, regions):
        response = get_options(client, "110000")

        assert option_values(response.text)[:2] == ["", "110101"]
        assert '<option value="110101" data-leaf>东城区</option>' in response.text

    def test_prefecture_lists_its_counties(self, client, regions):
        response = get_options(client, "130100")

        assert "130102" in option_values(response.text)
        assert '<option value="130102" data-leaf>长安区</option>' in response.text

    def test_province_lists_prefectures_then_directly_administered_counties(self, client, regions):
        response = get_options(client, "410000")

        values = option_values(response.text)
        assert values[-1] == "419001"
        assert values.index("411700") < values.index("419001")
        assert '<option value="410100">郑州市</option>' in response.text
        assert '<option value="419001" data-leaf>济源市</option>' in response.text

    @pytest.mark.parametrize("parent", ["999999", "<script>", "11", "110101"])
    def test_unknown_or_garbage_parent_gives_only_the_empty_choice(self, client, regions, parent):
        response = get_options(client, parent)

        assert response.status_code == 200
        assert option_values(response.text) == [""]
        assert "<script>" not in response.text

    def test_post_is_refused(self, client, regions):
        response = client.post(reverse("institutions:region_options"))

        assert response.status_code == 405


class TestRegionField:
    @pytest.mark.parametrize("code", ["110101", "441900", "130102", "419001", "659012"])
    def test_leaf_regions_are_accepted(self, regions, code):
        form = RegionDemoForm({"region": code})

        assert form.is_valid(), form.errors
        assert form.cleaned_data["region"] == Region.objects.get(code=code)

    @pytest.mark.parametrize("code", ["110000", "130100", "130000", "999999", "abc"])
    def test_non_leaf_or_unknown_regions_are_refused_in_chinese(self, regions, code):
        form = RegionDemoForm({"region": code})

        assert not form.is_valid()
        assert form.errors["region"] == [LEAF_MESSAGE]

    def test_retired_region_is_refused(self, regions):
        Region.objects.filter(code="110101").update(retired_in="cn-area-test-2")

        form = RegionDemoForm({"region": "110101"})

        assert not form.is_valid()
        assert form.errors["region"] == [
            "所选行政区划已调整撤销，请重新选择到县（区）一级的行政区划。"
        ]

    def test_missing_region_is_refused(self, regions):
        form = RegionDemoForm({})

        assert form.errors["region"] == [LEAF_MESSAGE]


@pytest.mark.urls("tests.institutions.cascade_urls")
class TestCascadeWidget:
    def test_empty_form_offers_provinces_and_waits_for_a_choice(self, client, regions):
        response = client.get("/region-demo/")

        found = selects(response.text)
        assert len(found["id_region_province"][0]) == 32
        assert found["id_region_city"][0] == [""]
        assert " disabled" in found["id_region_city"][2]
        assert " disabled" in found["id_region_county"][2]
        assert '<script src="/static/js/region-cascade.js"></script>' in response.text
        assert response.text.count("region-cascade.js") == 1

    def test_label_points_at_the_province_select(self, client, regions):
        response = client.get("/region-demo/")

        assert 'for="id_region_province"' in response.text
        assert 'aria-label="县（区）"' in response.text

    def test_two_widgets_on_one_page_have_their_own_ids(self, client, regions):
        found = selects(client.get("/region-demo/").text)

        assert {"id_region_county", "id_other_region_county"} <= found.keys()

    def test_error_rerender_keeps_all_three_levels_chosen(self, client, regions):
        response = client.post("/region-demo/", {"region": "130102", "other_region": "130100"})

        found = selects(response.text)
        assert found["id_region_province"][1] == "130000"
        assert found["id_region_city"][1] == "130100"
        assert found["id_region_county"][1] == "130102"
        assert 'name="region" value="130102"' in response.text
        # The refused value keeps its province and prefecture and asks for the county.
        assert found["id_other_region_city"][1] == "130100"
        assert found["id_other_region_county"][1] == ""
        assert "130102" in found["id_other_region_county"][0]
        assert LEAF_MESSAGE in response.text
        assert 'aria-invalid="true"' in found["id_other_region_county"][2]

    def test_municipality_district_hides_the_third_select(self, client, regions):
        response = client.post("/region-demo/", {"region": "110101", "other_region": "110000"})

        found = selects(response.text)
        assert found["id_region_province"][1] == "110000"
        assert found["id_region_city"][1] == "110101"
        assert column_hidden(response.text, "id_region_county")
        assert " disabled" in found["id_region_county"][2]
        assert not column_hidden(response.text, "id_other_region_county")

    def test_directly_administered_county_is_chosen_at_the_second_level(self, client, regions):
        form = RegionDemoForm(initial={"region": Region.objects.get(code="419001")})

        html = str(form["region"])

        found = selects(html)
        assert (found["id_region_province"][1], found["id_region_city"][1]) == ("410000", "419001")
        assert column_hidden(html, "id_region_county")

    def test_retired_value_is_shown_as_retired(self, client, regions):
        Region.objects.filter(code="110101").update(retired_in="cn-area-test-2")
        form = RegionDemoForm(initial={"region": "110101"})

        html = str(form["region"])

        assert '<option value="110101" data-leaf selected>东城区（已撤销）</option>' in html

    def test_valid_post_is_accepted(self, client, regions):
        response = client.post("/region-demo/", {"region": "441900", "other_region": ""})

        assert '<p id="submitted">441900 -</p>' in response.text

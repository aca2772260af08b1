"""The 质控反馈 charts (quality/charts.py): valid SVG that says its numbers in words, marks
本院 in the right place, escapes what it is given, and holds nothing the CSP would block."""

import xml.etree.ElementTree as ET

import pytest
from django.utils.safestring import SafeString

from quality.charts import SUPPRESSED, bars, distribution, trend

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'quoted'"
DNT = [22, 28, 31, 35, 40, 45, 45, 50, 58, 66, 75, 90, 130]


def parse(chart):
    return ET.fromstring(str(chart))


def text_of(root, name):
    return "".join(root.find(SVG + name).itertext())


def with_class(root, name):
    return [node for node in root.iter() if name in node.get("class", "").split()]


def drawn_texts(root):
    return ["".join(node.itertext()) for node in root.iter(SVG + "text")]


def every_chart():
    return [
        distribution(DNT, you=38, label="DNT", unit="分钟", direction="lower", target=60),
        distribution([], label="DNT", unit="分钟", direction="lower"),
        distribution([80, None], you=SUPPRESSED, label="溶栓率", unit="%", direction="higher"),
        trend([(2021, 40.5), (2022, None), (2023, 55)], label="溶栓率", unit="%", target=50),
        trend([], label="溶栓率", unit="%"),
        bars([("北京市", 85.2, 120), ("天津市", None, 3)], label="溶栓率", unit="%", target=80),
        bars([], label="溶栓率", unit="%"),
    ]


@pytest.mark.parametrize("chart", every_chart())
def test_chart_is_an_accessible_svg(chart):
    root = parse(chart)
    assert isinstance(chart, SafeString)
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 ")
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


@pytest.mark.parametrize("chart", every_chart())
def test_chart_holds_nothing_the_csp_blocks(chart):
    for node in parse(chart).iter():
        assert node.tag not in {SVG + "style", SVG + "script", SVG + "foreignObject"}
        assert "style" not in node.attrib
        assert not any(name.endswith("href") or name.startswith("on") for name in node.attrib)


def test_chart_output_is_deterministic():
    first = distribution(DNT, you=38, label="DNT", unit="分钟", direction="lower")
    again = distribution(list(DNT), you=38, label="DNT", unit="分钟", direction="lower")
    assert first == again


def test_distribution_says_its_numbers_in_words():
    root = parse(distribution(DNT, you=38, label="DNT", unit="分钟", direction="lower", target=60))
    desc = text_of(root, "desc")
    assert "13 家医院" in desc
    assert "中位数 45 分钟" in desc
    assert "本院 38 分钟，优于 9 家医院" in desc
    assert "目标 60 分钟" in desc
    assert "越低越好" in desc
    assert text_of(root, "title") == "DNT"


def test_distribution_labels_median_target_and_you():
    root = parse(distribution(DNT, you=38, label="DNT", unit="分钟", direction="lower", target=60))
    texts = drawn_texts(root)
    assert "中位数 45 分钟" in texts
    assert "目标 60 分钟" in texts
    assert "本院 38 分钟" in texts
    assert "越低越好" in texts


def positions(root):
    lowest_to_highest = with_class(root, "qc-range")[0]
    (you,) = with_class(root, "qc-you")
    (median,) = with_class(root, "qc-median")
    return (
        float(lowest_to_highest.get("x1")),
        float(lowest_to_highest.get("x2")),
        float(you.get("x1")),
        float(median.get("x1")),
    )


def test_you_marker_below_the_median_sits_left_of_it():
    lowest, highest, you, median = positions(
        parse(distribution(DNT, you=38, label="DNT", unit="分钟", direction="lower"))
    )
    assert lowest < you < median < highest


def test_you_marker_above_the_median_sits_right_of_it():
    lowest, highest, you, median = positions(
        parse(distribution(DNT, you=90, label="DNT", unit="分钟", direction="lower"))
    )
    assert lowest < median < you < highest


def test_percentages_stay_within_0_and_100():
    root = parse(
        distribution([62.5, 88.0, 97.5, 100], you=97.5, label="率", unit="%", direction="higher")
    )
    ticks = [text for text in drawn_texts(root) if text.endswith("%") and " " not in text]
    assert ticks[-1] == "100%"
    assert "本院 97.5%" in drawn_texts(root)


@pytest.mark.parametrize("values", [[42], [50, 50, 50]])
def test_single_or_equal_values_are_drawn(values):
    root = parse(distribution(values, you=values[0], label="率", unit="%", direction="higher"))
    lowest, highest, you, median = positions(root)
    assert lowest == highest == you == median
    assert f"中位数 {values[0]:.1f}%" in drawn_texts(root)


def test_suppressed_you_shows_text_and_no_marker():
    root = parse(distribution(DNT, you=SUPPRESSED, label="DNT", unit="分钟", direction="lower"))
    assert with_class(root, "qc-you") == []
    assert "本院：样本不足" in drawn_texts(root)
    assert "本院样本不足" in text_of(root, "desc")


def test_no_you_marks_nothing():
    root = parse(distribution(DNT, label="DNT", unit="分钟", direction="lower"))
    assert with_class(root, "qc-you") == []
    assert not any("本院" in text for text in drawn_texts(root))


def test_all_values_suppressed_shows_text_and_no_numbers():
    root = parse(
        distribution([None, None], you=SUPPRESSED, label="DNT", unit="分钟", direction="lower")
    )
    assert with_class(root, "qc-suppressed")[0].text == "样本不足"
    assert with_class(root, "qc-you") == []
    assert not any(char.isdigit() for char in "".join(drawn_texts(root)))
    assert text_of(root, "desc") == "DNT：样本不足。"


def test_empty_distribution_says_no_data():
    root = parse(distribution([], label="DNT", unit="分钟", direction="lower"))
    assert with_class(root, "qc-suppressed")[0].text == "暂无数据"


def test_suppressed_hospitals_are_counted_in_words():
    root = parse(distribution([*DNT, None, None], label="DNT", unit="分钟", direction="lower"))
    assert "另有 2 家医院样本不足" in text_of(root, "desc")


def test_direction_must_be_known():
    with pytest.raises(ValueError):
        distribution(DNT, label="DNT", unit="分钟", direction="up")


@pytest.mark.parametrize(
    "chart",
    [
        lambda: distribution(DNT, you=40, label=HOSTILE, unit=HOSTILE, direction="lower"),
        lambda: trend(
            [(2023, 5)], label=HOSTILE, unit="%", comparison_label=HOSTILE, comparison=[(2023, 4)]
        ),
        lambda: bars([(HOSTILE, 5, 1)], label=HOSTILE, unit="%"),
    ],
)
def test_hostile_text_is_escaped(chart):
    markup = str(chart())
    assert "<script>" not in markup
    root = parse(markup)
    assert HOSTILE in text_of(root, "title") + text_of(root, "desc")
    assert root.find(f".//{SVG}script") is None


def test_trend_breaks_the_line_at_a_missing_year():
    root = parse(trend([(2020, 40), (2021, None), (2022, 50), (2023, 55)], label="率", unit="%"))
    segments = with_class(root, "qc-series")
    assert len(segments) == 1  # 2022–2023 only: 2020 and 2022 are not joined across the gap
    assert [node.text for node in with_class(root, "qc-missing")] == ["样本不足"]
    assert "2021年 样本不足" in text_of(root, "desc")
    assert len(with_class(root, "qc-point")) == 3


def test_trend_marks_legacy_years():
    root = parse(
        trend([(2019, 40), (2020, 45), (2021, 50)], label="率", unit="%", legacy=[2019, 2020])
    )
    legacy = with_class(root, "qc-legacy")
    assert len(legacy) == 2
    assert all(point.get("fill") == "#ffffff" for point in legacy)
    assert "既往数据（旧平台）" in drawn_texts(root)
    assert "2019年 40.0%（既往数据）" in text_of(root, "desc")


def test_trend_draws_the_comparison_lighter_and_says_it():
    root = parse(
        trend(
            [(2022, 40), (2023, 50)],
            label="率",
            unit="%",
            comparison=[(2022, 30), (2023, 35)],
            comparison_label="全国中位数",
        )
    )
    assert len(with_class(root, "qc-comparison")) == 1
    assert "全国中位数：2022年 30.0%；2023年 35.0%" in text_of(root, "desc")


def test_trend_with_every_year_suppressed_draws_no_numbers():
    root = parse(trend([(2022, None), (2023, None)], label="率", unit="%"))
    assert with_class(root, "qc-point") == []
    assert with_class(root, "qc-suppressed")[0].text == "样本不足"


def test_bars_keep_the_given_order_and_show_suppressed_rows():
    root = parse(
        bars(
            [("北京市", 85.2, 120), ("天津市", None, 3), ("河北省", 61.0, 88)],
            label="溶栓率",
            unit="%",
        )
    )
    assert len(with_class(root, "qc-bar")) == 2
    texts = drawn_texts(root)
    assert texts.index("北京市") < texts.index("天津市") < texts.index("河北省")
    assert [node.text for node in with_class(root, "qc-suppressed")] == ["样本不足"]
    assert "天津市 样本不足（n=3）" in text_of(root, "desc")
    widths = [float(bar.get("width")) for bar in with_class(root, "qc-bar")]
    assert widths[0] > widths[1]


def test_charts_on_one_page_have_distinct_ids():
    first = parse(distribution(DNT, you=38, label="DNT", unit="分钟", direction="lower"))
    second = parse(distribution(DNT, you=40, label="DNT", unit="分钟", direction="lower"))
    assert first.find(SVG + "title").get("id") != second.find(SVG + "title").get("id")

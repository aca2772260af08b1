"""Charts of the 质控反馈 pages, drawn on the server as SVG (issue 23 item 5).

Three charts: ``distribution`` (one indicator across hospitals, with 本院 marked), ``trend``
(one hospital's indicator over the years) and ``bars`` (one indicator by region, for 数据概览).
Each returns a ``SafeString`` holding an ``<svg role="img">`` whose ``<title>`` and ``<desc>``
say the numbers in words, so a screen reader hears what a sighted reader sees; the page puts
the same numbers in a table as well.

Why drawn in Python (README, "Charts (质控反馈)"): the strict CSP allows no inline script or
style, hospital intranets load nothing from outside, and the print view must look like the
screen. So the markup has no script, no ``style`` attribute or element and no external
reference: shapes carry presentation attributes (``fill``, ``stroke``, ``font-size``) and
classes styled by ``static/css/quality.css``. Every piece of text goes through
``format_html`` (escaped). Marks differ by shape and dash, not colour alone, so a black-and-
white print still reads. Output is deterministic: same input, same bytes.

``None`` is a missing or suppressed value (样本不足) throughout; for 本院 in ``distribution``,
``SUPPRESSED`` says "this hospital has a value but too few cases to show it".
"""

import hashlib
import math
import re
import statistics

from django.utils.html import format_html, format_html_join

__all__ = ["SUPPRESSED", "bars", "distribution", "trend"]


class _Suppressed:
    """本院 has too few cases for its value to be shown (样本不足)."""

    def __repr__(self):
        return "SUPPRESSED"


SUPPRESSED = _Suppressed()

SVG_NS = "http://www.w3.org/2000/svg"
# Also set in quality.css; as an attribute it holds when the SVG is used on its own.
FONT_FAMILY = "WenQuanYi Micro Hei, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"

INK = "#212529"
MUTED = "#6c757d"
GRID = "#e3e7ec"
AXIS = "#adb5bd"
BAR = "#c3cdd9"
BOX = "#5f7086"
YOU = "#c2410c"
TARGET = "#2f7d32"
SERIES = "#1f5fa8"
COMPARE = "#a3adb8"
STRIPE = "#f4f6f9"

TEXT_SIZE = 11
SMALL_SIZE = 10
HEADER_SIZE = 13
ROW_HEIGHT = 14

DIRECTIONS = {"lower": "越低越好", "higher": "越高越好"}
NO_DATA = "暂无数据"
TOO_FEW = "样本不足"


# --- numbers -------------------------------------------------------------------------------


def _value(value):
    """A finite float, or None for a missing, suppressed or non-numeric value."""
    if value is None or value is SUPPRESSED or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _number(value, unit):
    """12.5 for a percentage (one decimal always), 45 or 7.5 for other units."""
    if unit == "%":
        return f"{value:.1f}"
    text = f"{round(value, 1):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _amount(value, unit):
    """A value with its unit: 12.5%, 45 分钟."""
    number = _number(value, unit)
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _coordinate(value):
    text = f"{value:.1f}"
    text = text[:-2] if text.endswith(".0") else text
    return "0" if text == "-0" else text


def _nice_step(span, intervals):
    raw = span / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if raw <= multiple * magnitude * (1 + 1e-9):
            return multiple * magnitude
    return 10 * magnitude


def _scale(numbers, unit, *, zero=False, intervals=4):
    """(low, high, ticks): a rounded axis covering the numbers; percentages stay in 0–100,
    and an axis of non-negative values starts at 0 when the data are not far from it."""
    low, high = min(numbers), max(numbers)
    # A percentage axis ends at 0 and 100, unless a (wrong) value lies outside them.
    bounded = unit == "%" and 0 <= low and high <= 100
    if low == high:
        pad = 10.0 if unit == "%" else abs(low) * 0.2 or 1.0
        low, high = low - pad, high + pad
    if zero or (low >= 0 and low <= high * 0.5):
        low = min(low, 0.0)
    step = _nice_step(high - low, intervals)
    low = math.floor(low / step + 1e-9) * step
    high = math.ceil(high / step - 1e-9) * step
    if bounded:
        high = min(high, 100.0)
    if min(numbers) >= 0:
        low = max(low, 0.0)
    count = round((high - low) / step)
    ticks = [round(low + index * step, 10) for index in range(count + 1)]
    return low, high, ticks


def _tick_text(value, ticks, unit):
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    if step == 2.5 or step == 0.25:
        decimals += 1
    text = f"{value:.{decimals}f}"
    return f"{text}%" if unit == "%" else text


# --- text ----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _clean(text):
    """Text as given, without the characters XML cannot hold."""
    return _CONTROL.sub("", str(text))


def _text_width(text, size):
    """An estimate of the drawn width, enough to place labels without overlap."""
    width = 0.0
    for char in text:
        if ord(char) >= 0x2E80 or char in "—…":
            width += 1.0
        elif char in " .,:;'|!il()[]":
            width += 0.32
        elif char in "%mwMW":
            width += 0.85
        else:
            width += 0.58
    return width * size


def _fit(text, size, room):
    """The text, cut with … when it would be wider than ``room``."""
    if _text_width(text, size) <= room:
        return text
    while text and _text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _text(x, y, content, *, anchor="start", size=TEXT_SIZE, fill=INK, bold=False, cls=None):
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" font-size="{}" fill="{}"{}{}>{}</text>',
        _coordinate(x),
        _coordinate(y),
        anchor,
        size,
        fill,
        format_html(' font-weight="{}"', "bold") if bold else "",
        format_html(' class="{}"', cls) if cls else "",
        content,
    )


def _line(x1, y1, x2, y2, *, stroke, width=1, dash=None, cls=None):
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{}{}/>',
        _coordinate(x1),
        _coordinate(y1),
        _coordinate(x2),
        _coordinate(y2),
        stroke,
        width,
        format_html(' stroke-dasharray="{}"', dash) if dash else "",
        format_html(' class="{}"', cls) if cls else "",
    )


def _rect(x, y, width, height, *, fill, stroke=None, cls=None):
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}{}/>',
        _coordinate(x),
        _coordinate(y),
        _coordinate(max(width, 0)),
        _coordinate(max(height, 0)),
        fill,
        format_html(' stroke="{}"', stroke) if stroke else "",
        format_html(' class="{}"', cls) if cls else "",
    )


def _circle(x, y, radius, *, fill, stroke=None, width=1, cls=None):
    return format_html(
        '<circle cx="{}" cy="{}" r="{}" fill="{}"{}{}/>',
        _coordinate(x),
        _coordinate(y),
        radius,
        fill,
        format_html(' stroke="{}" stroke-width="{}"', stroke, width) if stroke else "",
        format_html(' class="{}"', cls) if cls else "",
    )


def _polygon(points, *, fill, cls=None):
    return format_html(
        '<polygon points="{}" fill="{}"{}/>',
        " ".join(f"{_coordinate(x)},{_coordinate(y)}" for x, y in points),
        fill,
        format_html(' class="{}"', cls) if cls else "",
    )


def _join(parts):
    return format_html_join("", "{}", ((part,) for part in parts if part))


# --- the frame every chart shares ----------------------------------------------------------


def _chart_id(kind, chart_id, *inputs):
    if chart_id:
        return "qc-" + re.sub(r"[^A-Za-z0-9_-]", "", str(chart_id))
    digest = hashlib.sha1(repr((kind, inputs)).encode(), usedforsecurity=False).hexdigest()
    return f"qc-{kind}-{digest[:10]}"


def _svg(kind, chart_id, width, height, title, desc, body):
    return format_html(
        '<svg xmlns="{}" class="qc-chart qc-chart-{}" viewBox="0 0 {} {}" width="{}" '
        'height="{}" role="img" aria-labelledby="{}-title {}-desc" font-family="{}" '
        'font-size="{}"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        "{}</svg>",
        SVG_NS,
        kind,
        _coordinate(width),
        _coordinate(height),
        _coordinate(width),
        _coordinate(height),
        chart_id,
        chart_id,
        FONT_FAMILY,
        TEXT_SIZE,
        chart_id,
        _clean(title),
        chart_id,
        _clean(desc),
        body,
    )


def _header(label, width, direction=None, *, vertical=False):
    """The indicator's name at the top left; at the top right which way is better, with an
    arrow pointing to the better end of the value axis (sideways, or up/down if vertical)."""
    parts = []
    room = width - 8
    if direction:
        note = DIRECTIONS[direction]
        note_width = _text_width(note, SMALL_SIZE)
        right = width - 4
        if vertical:
            text_x, shaft = right, right - note_width - 8
            tip, tail = (17, 6) if direction == "lower" else (6, 17)
            back = -4 if direction == "lower" else 4
            head = [(shaft, tip), (shaft - 3.5, tip + back), (shaft + 3.5, tip + back)]
            parts.append(_line(shaft, tail, shaft, tip + back, stroke=MUTED, width=1.2))
        else:
            if direction == "lower":
                tip, tail, text_x = right - note_width - 20, right - note_width - 6, right
            else:
                tip, tail, text_x = right, right - 14, right - 18
            back = 5 if tail > tip else -5
            head = [(tip, 12), (tip + back, 8.5), (tip + back, 15.5)]
            parts.append(_line(tail, 12, tip + back, 12, stroke=MUTED, width=1.2))
        parts.append(_polygon(head, fill=MUTED, cls="qc-direction"))
        parts.append(_text(text_x, 16, note, anchor="end", size=SMALL_SIZE, fill=MUTED))
        room -= note_width + 30
    parts.append(_text(4, 16, _fit(_clean(label), HEADER_SIZE, room), size=HEADER_SIZE, bold=True))
    return parts


def _message_chart(kind, chart_id, label, message, width, direction=None):
    """A chart with nothing to draw: the header and the reason, no numbers."""
    height = 64
    body = _join(
        [
            *_header(label, width, direction),
            _rect(0.5, 24.5, width - 1, height - 29, fill=STRIPE, stroke=GRID),
            _text(width / 2, 48, message, anchor="middle", fill=MUTED, cls="qc-suppressed"),
        ]
    )
    return _svg(kind, chart_id, width, height, label, f"{_clean(label)}：{message}。", body)


def _place(labels, low, high, gap=6):
    """Row numbers (0 nearest the plot) for labels [(centre, width)], so none overlap;
    centres are moved inside [low, high]. Returns [(centre, row)]."""
    placed = []
    rows = []
    for centre, width in labels:
        centre = min(max(centre, low + width / 2), high - width / 2)
        start, end = centre - width / 2 - gap, centre + width / 2 + gap
        row = 0
        while any(r == row and s < end and start < e for s, e, r in rows):
            row += 1
        rows.append((start, end, row))
        placed.append((centre, row))
    return placed


# --- distribution --------------------------------------------------------------------------


def _quartiles(numbers):
    if len(numbers) == 1:
        return numbers[0], numbers[0], numbers[0]
    q1, median, q3 = statistics.quantiles(numbers, n=4, method="inclusive")
    return q1, statistics.median(numbers), q3


def distribution(
    values,
    *,
    you=None,
    label,
    unit,
    direction,
    target=None,
    width=560,
    height=None,
    chart_id=None,
):
    """The spread of one indicator across hospitals: a histogram (bar height = number of
    hospitals), a box for the middle half of them with whiskers to the lowest and highest,
    the median (dashed, 中位数 X), the guideline target (dash-dot, 目标 X) and 本院 (a solid
    line under a triangle, 本院 X).

    ``values`` are the hospitals' values (``None`` = suppressed, counted in the words only);
    ``you`` is this hospital's value, ``None`` to mark nothing, or ``SUPPRESSED`` to say
    本院：样本不足 instead. ``direction`` is "lower" or "higher" (which is better). ``height``
    (optional) sets the total height; by default it follows the labels.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'lower' or 'higher', not {direction!r}")
    given = list(values)
    numbers = sorted(number for number in map(_value, given) if number is not None)
    withheld = len(given) - len(numbers)
    you_withheld = you is SUPPRESSED
    you_value = _value(you)
    target_value = _value(target)
    label = _clean(label)
    unit = _clean(unit)
    cid = _chart_id(
        "distribution",
        chart_id,
        label,
        unit,
        direction,
        numbers,
        withheld,
        you_value,
        you_withheld,
        target_value,
        width,
        height,
    )
    if not numbers:
        message = TOO_FEW if withheld else NO_DATA
        return _message_chart("distribution", cid, label, message, width, direction)

    count = len(numbers)
    q1, median, q3 = _quartiles(numbers)
    extra = [v for v in (you_value, target_value) if v is not None]
    low, high, ticks = _scale(numbers + extra, unit)

    unit_label = "" if unit == "%" else unit
    x0 = 16
    x1 = width - 16 - (_text_width(unit_label, SMALL_SIZE) + 6 if unit_label else 0)

    def x(value):
        return x0 + (value - low) / (high - low) * (x1 - x0)

    # Labels above the plot, each over its own line, stacked where they would overlap.
    notes = []
    if you_value is not None:
        notes.append(("you", x(you_value), f"本院 {_amount(you_value, unit)}"))
    elif you_withheld:
        notes.append(("you-suppressed", x0, f"本院：{TOO_FEW}"))
    notes.append(("median", x(median), f"中位数 {_amount(median, unit)}"))
    if target_value is not None:
        notes.append(("target", x(target_value), f"目标 {_amount(target_value, unit)}"))
    widths = [_text_width(text, TEXT_SIZE) for _, _, text in notes]
    placed = _place(
        [
            (position + w / 2 if kind == "you-suppressed" else position, w)
            for (kind, position, _), w in zip(notes, widths, strict=True)
        ],
        2,
        width - 2,
    )
    rows = max(row for _, row in placed) + 1

    plot_top = 24 + rows * ROW_HEIGHT + 8
    fixed = plot_top + 18 + 40
    hist_height = max(24, height - fixed) if height else 56
    hist_bottom = plot_top + hist_height
    axis_y = hist_bottom + 18
    total_height = height or axis_y + 40

    parts = _header(label, width, direction)

    # Histogram: bins a quarter of a tick step wide, so bars line up with the ticks.
    bins = max(1, (len(ticks) - 1) * 4)
    bin_width = (high - low) / bins
    counts = [0] * bins
    for number in numbers:
        counts[min(bins - 1, max(0, int((number - low) / bin_width + 1e-9)))] += 1
    tallest = max(counts)
    for index, how_many in enumerate(counts):
        if not how_many:
            continue
        bar_height = max(2.0, how_many / tallest * hist_height)
        left, right = x(low + index * bin_width), x(low + (index + 1) * bin_width)
        parts.append(
            _rect(left + 0.5, hist_bottom - bar_height, right - left - 1, bar_height, fill=BAR)
        )

    # Box: the middle half of the hospitals; whiskers to the lowest and the highest.
    box_y, box_height = hist_bottom + 4, 10
    middle = box_y + box_height / 2
    parts.append(_line(x(numbers[0]), middle, x(numbers[-1]), middle, stroke=BOX, cls="qc-range"))
    for end in (numbers[0], numbers[-1]):
        parts.append(_line(x(end), box_y + 2, x(end), box_y + box_height - 2, stroke=BOX))
    parts.append(
        _rect(x(q1), box_y, x(q3) - x(q1), box_height, fill="#ffffff", stroke=BOX, cls="qc-box")
    )

    # Axis, ticks and unit.
    parts.append(_line(x0, axis_y, x1, axis_y, stroke=AXIS))
    for tick in ticks:
        parts.append(_line(x(tick), axis_y, x(tick), axis_y + 4, stroke=AXIS))
        parts.append(
            _text(
                x(tick),
                axis_y + 15,
                _tick_text(tick, ticks, unit),
                anchor="middle",
                size=SMALL_SIZE,
                fill=MUTED,
            )
        )
    if unit_label:
        parts.append(_text(x1 + 6, axis_y + 4, unit_label, size=SMALL_SIZE, fill=MUTED))

    # Median, target and 本院 over the bars: first the lines, each from its label down to
    # the axis, then the labels on white plates, so a line never runs through a label.
    styles = {
        "median": {"stroke": INK, "width": 1.5, "dash": "4 3", "fill": INK},
        "target": {"stroke": TARGET, "width": 1.5, "dash": "7 2 1.5 2", "fill": TARGET},
        "you": {"stroke": YOU, "width": 1, "dash": None, "fill": YOU, "bold": True},
        "you-suppressed": {"fill": MUTED},
    }
    notes = [
        (kind, position, text, centre, plot_top - 8 - row * ROW_HEIGHT)
        for (kind, position, text), (centre, row) in zip(notes, placed, strict=True)
    ]
    for kind, position, _, _, baseline in notes:
        if kind == "you-suppressed":
            continue
        style = styles[kind]
        parts.append(
            _line(
                position,
                baseline + 3,
                position,
                axis_y,
                stroke=style["stroke"],
                width=style["width"],
                dash=style["dash"],
                cls=None if kind == "you" else f"qc-{kind}",
            )
        )
    for kind, position, _, _, _ in notes:
        if kind == "you":
            # 本院 stands out by shape too: a thick line under a triangle.
            parts.append(
                _line(position, plot_top, position, axis_y, stroke=YOU, width=2.5, cls="qc-you")
            )
            triangle = [
                (position - 5, plot_top - 6),
                (position + 5, plot_top - 6),
                (position, plot_top + 1),
            ]
            parts.append(_polygon(triangle, fill=YOU, cls="qc-you-marker"))
    for (kind, _, text, centre, baseline), width_ in zip(notes, widths, strict=True):
        style = styles[kind]
        bold = style.get("bold", False)
        plate = width_ * (1.06 if bold else 1) + 4
        parts.append(_rect(centre - plate / 2, baseline - 10, plate, 12.5, fill="#ffffff"))
        parts.append(
            _text(
                centre,
                baseline,
                text,
                anchor="middle",
                fill=style["fill"],
                bold=bold,
                cls=f"qc-{kind}-label" if kind != "you-suppressed" else "qc-you-suppressed",
            )
        )

    legend = f"共 {count} 家医院；柱高为医院数，方框为居中一半的医院"
    if withheld:
        legend += f"；另 {withheld} 家{TOO_FEW}"
    parts.append(_text(4, axis_y + 34, legend, size=SMALL_SIZE, fill=MUTED, cls="qc-legend"))

    return _svg(
        "distribution",
        cid,
        width,
        total_height,
        label,
        _distribution_words(
            label,
            unit,
            direction,
            numbers,
            withheld,
            q1,
            median,
            q3,
            you_value,
            you_withheld,
            target_value,
        ),
        _join(parts),
    )


def _distribution_words(
    label, unit, direction, numbers, withheld, q1, median, q3, you_value, you_withheld, target
):
    words = [
        f"{label}（{DIRECTIONS[direction]}）：{len(numbers)} 家医院，"
        f"中位数 {_amount(median, unit)}，"
        f"居中一半的医院在 {_amount(q1, unit)} 至 {_amount(q3, unit)} 之间，"
        f"最低 {_amount(numbers[0], unit)}，最高 {_amount(numbers[-1], unit)}。"
    ]
    if you_value is not None:
        if direction == "lower":
            better = sum(1 for number in numbers if number > you_value)
        else:
            better = sum(1 for number in numbers if number < you_value)
        words.append(f"本院 {_amount(you_value, unit)}，优于 {better} 家医院。")
    elif you_withheld:
        words.append(f"本院{TOO_FEW}。")
    if target is not None:
        words.append(f"目标 {_amount(target, unit)}。")
    if withheld:
        words.append(f"另有 {withheld} 家医院{TOO_FEW}。")
    return "".join(words)


# --- trend ---------------------------------------------------------------------------------


def trend(
    points,
    *,
    label,
    unit,
    target=None,
    legacy=(),
    comparison=None,
    comparison_label="全国中位数",
    direction=None,
    missing_text=TOO_FEW,
    width=560,
    height=220,
    chart_id=None,
):
    """One hospital's indicator year by year: a line with a dot and the value at each year.

    ``points`` are ``[(year, value or None), ...]``; a ``None`` year breaks the line and shows
    ``missing_text`` (样本不足) instead of a value. Years in ``legacy`` (from the old
    platform, 既往数据) get hollow dots and dashed joins. ``comparison`` is a second series
    (省/全国 median, named by ``comparison_label``) drawn lighter, without values; ``target``
    a dash-dot line (目标 X); ``direction`` (optional) adds 越低越好/越高越好.
    """
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'lower', 'higher' or None, not {direction!r}")
    own = _series(points)
    other = _series(comparison or ())
    legacy = {int(year) for year in legacy}
    target_value = _value(target)
    label, unit = _clean(label), _clean(unit)
    comparison_label, missing_text = _clean(comparison_label), _clean(missing_text)
    cid = _chart_id(
        "trend",
        chart_id,
        label,
        unit,
        own,
        other,
        sorted(legacy),
        target_value,
        comparison_label,
        direction,
        missing_text,
        width,
        height,
    )
    if not own:
        return _message_chart("trend", cid, label, NO_DATA, width)
    numbers = [value for _, value in own + other if value is not None]
    if not any(value is not None for _, value in own):
        message = missing_text if all(value is None for _, value in own) else NO_DATA
        return _message_chart("trend", cid, label, message, width)

    years = sorted({year for year, _ in own} | {year for year, _ in other})
    if target_value is not None:
        numbers.append(target_value)
    low, high, ticks = _scale(numbers, unit, zero=True)
    tick_texts = [_tick_text(tick, ticks, unit) for tick in ticks]
    unit_label = "" if unit == "%" else unit

    target_text = f"目标 {_amount(target_value, unit)}" if target_value is not None else ""
    x0 = 8 + max(_text_width(text, SMALL_SIZE) for text in tick_texts)
    x1 = width - 8 - (_text_width(target_text, SMALL_SIZE) + 6 if target_text else 0)
    plot_top, plot_bottom = 64, height - 26
    band = (x1 - x0) / len(years)

    def x(year):
        return x0 + (years.index(year) + 0.5) * band

    def y(value):
        return plot_bottom - (value - low) / (high - low) * (plot_bottom - plot_top)

    parts = _header(label, width, direction, vertical=True)
    parts.extend(_trend_legend(own, other, legacy, comparison_label, target_text, width))

    for tick, text in zip(ticks, tick_texts, strict=True):
        parts.append(_line(x0, y(tick), x1, y(tick), stroke=GRID if tick != low else AXIS))
        parts.append(_text(x0 - 5, y(tick) + 3.5, text, anchor="end", size=SMALL_SIZE, fill=MUTED))
    if unit_label:
        parts.append(_text(4, plot_top - 12, unit_label, size=SMALL_SIZE, fill=MUTED))
    for year in years:
        parts.append(
            _text(x(year), plot_bottom + 16, str(year), anchor="middle", size=SMALL_SIZE, fill=INK)
        )

    if target_value is not None:
        parts.append(
            _line(
                x0,
                y(target_value),
                x1,
                y(target_value),
                stroke=TARGET,
                width=1.5,
                dash="7 2 1.5 2",
                cls="qc-target",
            )
        )
        parts.append(
            _text(
                x1 + 4,
                y(target_value) + 3.5,
                target_text,
                size=SMALL_SIZE,
                fill=TARGET,
                cls="qc-target-label",
            )
        )

    # The comparison first, so the hospital's own line is drawn over it.
    other_at = dict(other)
    for (year, value), (next_year, next_value) in zip(other, other[1:], strict=False):
        if value is not None and next_value is not None and next_year == _next(years, year):
            parts.append(
                _line(
                    x(year),
                    y(value),
                    x(next_year),
                    y(next_value),
                    stroke=COMPARE,
                    width=1.5,
                    cls="qc-comparison",
                )
            )
    for year, value in other:
        if value is not None:
            parts.append(_circle(x(year), y(value), 2.5, fill=COMPARE, cls="qc-comparison-point"))

    for (year, value), (next_year, next_value) in zip(own, own[1:], strict=False):
        if value is not None and next_value is not None and next_year == _next(years, year):
            old = year in legacy or next_year in legacy
            parts.append(
                _line(
                    x(year),
                    y(value),
                    x(next_year),
                    y(next_value),
                    stroke=SERIES,
                    width=2,
                    dash="4 3" if old else None,
                    cls="qc-series",
                )
            )
    for year, value in own:
        if value is None:
            parts.append(
                _text(
                    x(year),
                    plot_bottom - 6,
                    missing_text,
                    anchor="middle",
                    size=SMALL_SIZE - 1,
                    fill=MUTED,
                    cls="qc-missing",
                )
            )
            continue
        if year in legacy:
            parts.append(
                _circle(
                    x(year),
                    y(value),
                    4,
                    fill="#ffffff",
                    stroke=SERIES,
                    width=2,
                    cls="qc-point qc-legacy",
                )
            )
        else:
            parts.append(_circle(x(year), y(value), 4, fill=SERIES, cls="qc-point"))
        # The value over the dot, on the side away from the comparison line, and never up
        # into the legend; a white plate keeps it readable where a line passes behind.
        text = _amount(value, unit) if unit == "%" else _number(value, unit)
        below = other_at.get(year) is not None and other_at[year] > value
        if y(value) - 9 < plot_top - 6 or y(value) + 17 > plot_bottom - 2:
            below = y(value) - 9 < plot_top - 6
        label_y = y(value) + 17 if below else y(value) - 9
        plate = _text_width(text, SMALL_SIZE) + 4
        parts.append(_rect(x(year) - plate / 2, label_y - 9.5, plate, 12, fill="#ffffff"))
        parts.append(
            _text(x(year), label_y, text, anchor="middle", size=SMALL_SIZE, cls="qc-value")
        )

    return _svg(
        "trend",
        cid,
        width,
        height,
        label,
        _trend_words(
            label, unit, own, other, legacy, comparison_label, target_value, missing_text, direction
        ),
        _join(parts),
    )


def _series(points):
    """[(year, value or None)] in year order."""
    return sorted(((int(year), _value(value)) for year, value in points), key=lambda p: p[0])


def _next(years, year):
    index = years.index(year)
    return years[index + 1] if index + 1 < len(years) else None


def _trend_legend(own, other, legacy, comparison_label, target_text, width):
    """Keys in one row under the header: 本院, the comparison, 既往数据, 目标."""
    keys = [("series", "本院")]
    if any(value is not None for _, value in other):
        keys.append(("comparison", comparison_label))
    if any(year in legacy and value is not None for year, value in own):
        keys.append(("legacy", "既往数据（旧平台）"))
    if target_text:
        keys.append(("target", "指南目标"))
    parts = []
    cursor = 4
    baseline = 36
    for kind, text in keys:
        middle = baseline - 3.5
        if kind == "series":
            parts.append(_line(cursor, middle, cursor + 18, middle, stroke=SERIES, width=2))
            parts.append(_circle(cursor + 9, middle, 3.5, fill=SERIES))
        elif kind == "comparison":
            parts.append(_line(cursor, middle, cursor + 18, middle, stroke=COMPARE, width=1.5))
            parts.append(_circle(cursor + 9, middle, 2.5, fill=COMPARE))
        elif kind == "legacy":
            parts.append(_circle(cursor + 9, middle, 3.5, fill="#ffffff", stroke=SERIES, width=2))
        else:
            parts.append(
                _line(
                    cursor, middle, cursor + 18, middle, stroke=TARGET, width=1.5, dash="7 2 1.5 2"
                )
            )
        parts.append(
            _text(
                cursor + 22,
                baseline,
                text,
                size=SMALL_SIZE,
                fill=INK,
                cls=f"qc-legend qc-legend-{kind}",
            )
        )
        cursor += 22 + _text_width(text, SMALL_SIZE) + 14
    return parts


def _trend_words(label, unit, own, other, legacy, comparison_label, target, missing, direction):
    def year_words(series, mark_legacy):
        said = []
        for year, value in series:
            text = (
                f"{year}年 {_amount(value, unit)}" if value is not None else f"{year}年 {missing}"
            )
            if mark_legacy and year in legacy and value is not None:
                text += "（既往数据）"
            said.append(text)
        return "；".join(said)

    note = f"（{DIRECTIONS[direction]}）" if direction else ""
    words = [f"{label}{note}，本院逐年：{year_words(own, True)}。"]
    if any(value is not None for _, value in other):
        words.append(f"{comparison_label}：{year_words(other, False)}。")
    if target is not None:
        words.append(f"目标 {_amount(target, unit)}。")
    return "".join(words)


# --- bars ----------------------------------------------------------------------------------


def bars(rows, *, label, unit, target=None, direction=None, width=560, chart_id=None):
    """One indicator by region (数据概览): a horizontal bar per row, in the order given, with
    the value at its end and the count n at the right. ``rows`` are ``[(name, value or None,
    n)]``; a ``None`` value is shown as 样本不足, with no bar. ``target`` (optional) is a
    dash-dot line (目标 X); ``direction`` (optional) adds 越低越好/越高越好."""
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'lower', 'higher' or None, not {direction!r}")
    table = [(_clean(name), _value(value), n) for name, value, n in rows]
    target_value = _value(target)
    label, unit = _clean(label), _clean(unit)
    cid = _chart_id("bars", chart_id, label, unit, table, target_value, direction, width)
    if not table:
        return _message_chart("bars", cid, label, NO_DATA, width, direction)

    numbers = [value for _, value, _ in table if value is not None]
    row_height = 22
    first_row = 44
    height = first_row + len(table) * row_height + (22 if target_value is not None else 6)

    names_width = min(150, max(_text_width(name, TEXT_SIZE) for name, _, _ in table)) + 6
    n_texts = [f"n={n}" if n is not None else "" for _, _, n in table]
    n_width = max(_text_width(text, SMALL_SIZE) for text in n_texts)
    value_texts = [_amount(value, unit) if value is not None else "" for _, value, _ in table]
    value_width = max(_text_width(text, SMALL_SIZE) for text in value_texts)
    x0 = 4 + names_width + 6
    x1 = width - 4 - n_width - 10 - value_width - 6

    # Every other row shaded (and the target line), drawn first, under grid, bars and text.
    stripes = []
    parts = _header(label, width, direction)
    scaled = bool(numbers)
    if scaled:
        extra = [target_value] if target_value is not None else []
        low, high, ticks = _scale(numbers + extra, unit, zero=True)

        def x(value):
            return x0 + (value - low) / (high - low) * (x1 - x0)

        bottom = first_row + len(table) * row_height
        for tick in ticks:
            parts.append(
                _line(x(tick), first_row - 4, x(tick), bottom, stroke=GRID if tick != low else AXIS)
            )
            parts.append(
                _text(
                    x(tick),
                    first_row - 8,
                    _tick_text(tick, ticks, unit),
                    anchor="middle",
                    size=SMALL_SIZE,
                    fill=MUTED,
                )
            )
        if unit != "%" and unit:
            parts.append(_text(x1 + 8, first_row - 8, unit, size=SMALL_SIZE, fill=MUTED))

    for index, ((name, value, _), n_text, value_text) in enumerate(
        zip(table, n_texts, value_texts, strict=True)
    ):
        top = first_row + index * row_height
        middle = top + row_height / 2
        if index % 2:
            stripes.append(_rect(0, top, width, row_height, fill=STRIPE))
        parts.append(_text(4 + names_width, middle + 4, _fit(name, TEXT_SIZE, 150), anchor="end"))
        if value is None:
            parts.append(
                _text(x0 + 4, middle + 4, TOO_FEW, size=SMALL_SIZE, fill=MUTED, cls="qc-suppressed")
            )
        else:
            end = x(value)
            parts.append(
                _rect(
                    x(max(low, 0)),
                    top + 4,
                    end - x(max(low, 0)),
                    row_height - 8,
                    fill=SERIES,
                    cls="qc-bar",
                )
            )
            plate = _text_width(value_text, SMALL_SIZE) + 4
            parts.append(
                _rect(end + 2, middle - 6, plate, 12, fill=STRIPE if index % 2 else "#ffffff")
            )
            parts.append(
                _text(end + 4, middle + 4, value_text, size=SMALL_SIZE, fill=INK, cls="qc-value")
            )
        if n_text:
            parts.append(
                _text(width - 4, middle + 4, n_text, anchor="end", size=SMALL_SIZE, fill=MUTED)
            )

    if scaled and target_value is not None:
        bottom = first_row + len(table) * row_height
        # Behind the bars, with the stripes: it must not cross a value.
        stripes.append(
            _line(
                x(target_value),
                first_row - 4,
                x(target_value),
                bottom + 4,
                stroke=TARGET,
                width=1.5,
                dash="7 2 1.5 2",
                cls="qc-target",
            )
        )
        target_text = f"目标 {_amount(target_value, unit)}"
        parts.append(
            _text(
                x(target_value),
                bottom + 16,
                target_text,
                anchor="middle",
                size=SMALL_SIZE,
                fill=TARGET,
                cls="qc-target-label",
            )
        )

    words = "；".join(
        f"{name} {_amount(value, unit) if value is not None else TOO_FEW}"
        + (f"（n={n}）" if n is not None else "")
        for name, value, n in table
    )
    note = f"（{DIRECTIONS[direction]}）" if direction else ""
    desc = f"{label}{note}，按地区：{words}。"
    if target_value is not None:
        desc += f"目标 {_amount(target_value, unit)}。"
    return _svg("bars", cid, width, height, label, desc, _join(stripes + parts))

"""A realistic demo export of the old platform (Decision 9), for trying 绑定既往数据.

Hundreds of hospitals across the provinces, data years 2010, 2015, 2017 and 2018, each
year an 附件1 workbook and per hospital its 附件2/附件3 workbooks, in .xlsx and (when xlwt is
installed, the ``test`` extra) .xls — the formats real exports mix. A few rows are messy on
purpose, as real ones are: phones and 住院号 stored as numbers, 录入时间 as text in several
formats or as date cells, counts typed as text ("１２", "1,234", " 56 "), an unreadable count,
blank optional groups, retired 行政区划 (蓟县, 密云县, 江北区 500105), stray spaces in names,
a blank row, a case file of a hospital missing from 附件1, bad case rows. With
``corrupt=True`` one case file and one 附件1 are unreadable (for the tests).

The demo institutions (accounts.demo: 北京市东城区演示医院, 广州市天河区演示医院) have records
so that the demo can bind them; 北京协和医院 is there for the search example.

Everything is drawn from a seeded random generator: the same arguments give the same files.
"""

from __future__ import annotations

import datetime
import json
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from casesets.specs import ATTACHMENT2, ATTACHMENT3
from institutions.regions import DEFAULT_FIXTURE

from . import legacy_format as fmt

try:  # .xls needs xlwt (the ``test`` extra); without it every file is .xlsx
    import xlwt
except ImportError:  # pragma: no cover - depends on the environment
    xlwt = None

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志宏海波斌俊峰浩亮晶婷雪琳欣怡嘉文博宇晨阳东方立新春梅兰慧颖倩婧"  # noqa: E501
GRADES = ("三级甲等",) * 5 + (
    "三级乙等",
    "三级",
    "二级甲等",
    "二级甲等",
    "二级乙等",
    "二级",
    "未定级",
)
CATEGORIES = ("综合医院",) * 8 + ("中医医院", "中医医院", "脑血管病专科医院", "其他专科医院")
PARTICIPATION = {2010: 0.45, 2015: 0.65, 2017: 0.85, 2018: 0.95}
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151",
                   "152", "158", "159", "177", "180", "186", "187", "188", "189")  # fmt: skip

# Named hospitals (name, province, city, county as the old platform wrote them, years).
SPECIAL_HOSPITALS = (
    ("北京协和医院", "北京市", "市辖区", "东城区", (2015, 2017, 2018), "large"),
    ("北京市东城区演示医院", "北京市", "市辖区", "东城区", fmt.LEGACY_YEARS, "medium"),
    ("广州市天河区演示医院", "广东省", "广州市", "天河区", (2015, 2017, 2018), "medium"),
    ("首都医科大学附属北京天坛医院", "北京市", "市辖区", "丰台区", fmt.LEGACY_YEARS, "large"),
    ("中山大学附属第一医院", "广东省", "广州市", "越秀区", (2015, 2017, 2018), "large"),
    ("四川大学华西医院", "四川省", "成都市", "武侯区", (2015, 2017, 2018), "large"),
    ("复旦大学附属华山医院", "上海市", "市辖区", "静安区", (2017, 2018), "large"),
    ("浙江大学医学院附属第二医院", "浙江省", "杭州市", "上城区", (2015, 2018), "large"),
    # Retired 行政区划, as the old platform wrote them.
    ("蓟县人民医院", "天津市", "县", "蓟县", (2010, 2015), "small"),
    ("密云县医院", "北京市", "县", "密云县", (2010,), "small"),
    ("重庆市江北区人民医院", "重庆市", "市辖区", "500105", (2017, 2018), "medium"),
)  # fmt: skip
# A case file whose hospital is in no 附件1 (the importer refuses it).
ORPHAN_HOSPITAL = "不存在的示例医院"


@dataclass
class DemoHospital:
    name: str
    province: str
    city: str
    county: str
    years: tuple
    size: str
    grade: str = "三级甲等"
    category: str = "综合医院"
    director: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class Summary:
    target: Path
    hospitals: int = 0
    records: int = 0
    files: int = 0
    xls_files: int = 0
    thrombolysis: int = 0
    intervention: int = 0
    per_year: dict = field(default_factory=dict)

    def text(self) -> str:
        years = "，".join(f"{year}年{count}家" for year, count in sorted(self.per_year.items()))
        return (
            f"已生成既往数据演示导出：{self.target}\n"
            f"  {self.hospitals}家医院，{self.records}条年度数据（{years}），"
            f"溶栓个案{self.thrombolysis}例，介入个案{self.intervention}例；"
            f"文件{self.files}个（其中.xls {self.xls_files}个）。"
        )


# Writers: one interface for .xlsx (openpyxl) and .xls (xlwt) ------------------------------


class XlsxBook:
    extension = ".xlsx"

    def __init__(self, sheet_name):
        from openpyxl import Workbook

        self.book = Workbook()
        self.sheet = self.book.active
        self.sheet.title = sheet_name

    def write(self, row, column, value):
        """``row``/``column`` 0-based."""
        if isinstance(value, datetime.datetime):
            cell = self.sheet.cell(row + 1, column + 1, value)
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, datetime.date):
            cell = self.sheet.cell(row + 1, column + 1, value)
            cell.number_format = "yyyy-mm-dd"
        elif value is not None:
            self.sheet.cell(row + 1, column + 1, value)

    def merge(self, first_row, first_column, last_row, last_column):
        self.sheet.merge_cells(
            start_row=first_row + 1,
            start_column=first_column + 1,
            end_row=last_row + 1,
            end_column=last_column + 1,
        )

    def save(self, path: Path):
        self.book.save(path)


class XlsBook:
    extension = ".xls"

    def __init__(self, sheet_name):
        self.book = xlwt.Workbook(encoding="utf-8")
        self.sheet = self.book.add_sheet(sheet_name)
        self.datetime_style = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm:ss")
        self.date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
        self.merges = []

    def write(self, row, column, value):
        if isinstance(value, datetime.datetime):
            self.sheet.write(row, column, value, self.datetime_style)
        elif isinstance(value, datetime.date):
            self.sheet.write(row, column, value, self.date_style)
        elif value is not None:
            self.sheet.write(row, column, value)

    def merge(self, first_row, first_column, last_row, last_column):
        # xlwt merges only blank cells; the value stays in the top-left one.
        self.merges.append((first_row, last_row, first_column, last_column))

    def save(self, path: Path):
        for merge in self.merges:
            self.sheet.merge(*merge)
        self.book.save(str(path))


# Drawing the hospitals --------------------------------------------------------------------


def _load_counties():
    """``[(province, city, county), ...]`` as the old platform wrote them (直辖市: 市辖区)."""
    data = json.loads(Path(DEFAULT_FIXTURE).read_text(encoding="utf-8"))
    by_code = {row["code"]: row for row in data["regions"]}
    counties = []
    for row in data["regions"]:
        if row["level"] != 3:
            continue
        parent = by_code.get(row["parent"])
        if parent is None:
            continue
        if parent["level"] == 1:  # a 直辖市's district, or a 省直辖县级 unit
            province, city = parent, None
        else:
            province, city = by_code.get(parent["parent"]), parent
        if province is None:
            continue
        city_name = (
            city["name"]
            if city
            else ("市辖区" if province["kind"] == "直辖市" else "省直辖县级行政区划")
        )  # noqa: E501
        counties.append((province["name"], city_name, row["name"], row.get("kind", "")))
    return counties


def _person(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _hospital_name(rng, province, city, county, kind):
    if kind in ("县", "县级市", "自治县", "旗", "自治旗") or city in ("县", "省直辖县级行政区划"):
        suffix = rng.choice(("人民医院", "人民医院", "中医医院", "第二人民医院", "中心医院"))
        return f"{county}{suffix}"
    place = province if city in ("市辖区",) else city
    suffix = rng.choice(("人民医院", "第一人民医院", "第二人民医院", "中心医院", "中医医院",
                         "第三人民医院", "医院", "人民医院"))  # fmt: skip
    return f"{place}{county}{suffix}" if rng.random() < 0.6 else f"{place}{suffix}"


def draw_hospitals(rng, count: int) -> list[DemoHospital]:
    hospitals = [
        DemoHospital(name, province, city, county, years, size)
        for name, province, city, county, years, size in SPECIAL_HOSPITALS
    ]
    names = {h.name for h in hospitals}
    counties = _load_counties()
    while len(hospitals) < count:
        province, city, county, kind = rng.choice(counties)
        name = _hospital_name(rng, province, city, county, kind)
        if name in names:
            continue
        names.add(name)
        years = tuple(y for y in fmt.LEGACY_YEARS if rng.random() < PARTICIPATION[y]) or (2018,)
        size = rng.choice(("small", "small", "medium", "medium", "large"))
        hospitals.append(DemoHospital(name, province, city, county, years, size))
    for hospital in hospitals:
        hospital.grade = "三级甲等" if hospital.size == "large" else rng.choice(GRADES)
        hospital.category = "综合医院" if hospital.size == "large" else rng.choice(CATEGORIES)
        hospital.director = _person(rng)
        hospital.phone = _mobile(rng)
        hospital.email = f"stroke{rng.randrange(1000, 9999)}@hospital.example.cn"
    return hospitals


# Drawing a year's report --------------------------------------------------------------------

SCALE = {"small": (300, 2500), "medium": (1500, 8000), "large": (6000, 20000)}


def _part(rng, total, low, high):
    return int(total * rng.uniform(low, high))


def draw_values(rng, size: str, year: int) -> dict:
    """A plausible 总表: every sub-count within its total."""
    neuro = rng.randint(*SCALE[size])
    ci = _part(rng, neuro, 0.3, 0.5)
    tia = _part(rng, neuro, 0.03, 0.08)
    ich = _part(rng, neuro, 0.08, 0.15)
    sah = _part(rng, neuro, 0.01, 0.04)
    maturity = {2010: 0.3, 2015: 0.6, 2017: 0.85, 2018: 1.0}[year]
    # Many hospitals did no reperfusion therapy in the early years (0 cases: no case file).
    does_ivt = rng.random() < {"small": 0.35, "medium": 0.7, "large": 1.0}[size] * maturity
    does_evt = rng.random() < {"small": 0.05, "medium": 0.3, "large": 0.9}[size] * maturity
    ivt_cap = {"small": 5, "medium": 12, "large": 25}[size]
    evt_cap = {"small": 2, "medium": 5, "large": 12}[size]
    ivt = min(int(ci * rng.uniform(0.005, 0.04)), ivt_cap) if does_ivt else 0
    evt = min(int(ci * rng.uniform(0.002, 0.015)), evt_cap) if does_evt else 0
    alteplase = int(ivt * rng.uniform(0.4, 0.9))
    bridging = int(evt * rng.uniform(0.2, 0.5))
    return {
        "neuro_discharges_total": neuro,
        "ci_discharges": ci,
        "ci_with_htn": _part(rng, ci, 0.5, 0.7),
        "ci_deaths": _part(rng, ci, 0.005, 0.02),
        "tia_discharges": tia,
        "tia_with_htn": _part(rng, tia, 0.4, 0.6),
        "ich_discharges": ich,
        "ich_with_htn": _part(rng, ich, 0.6, 0.8),
        "ich_deaths": _part(rng, ich, 0.03, 0.08),
        "sah_discharges": sah,
        "sah_with_htn": _part(rng, sah, 0.3, 0.5),
        "sah_deaths": _part(rng, sah, 0.05, 0.15),
        "ivt_total": ivt,
        "ivt_nihss_improved": _part(rng, ivt, 0.3, 0.6),
        "ivt_mrs_0_2": _part(rng, ivt, 0.4, 0.7),
        "ivt_alteplase": alteplase,
        "ivt_urokinase": ivt - alteplase,
        "evt_total": evt,
        "evt_direct": evt - bridging,
        "evt_bridging": bridging,
        "evt_nihss_improved": _part(rng, evt, 0.3, 0.6),
        "evt_mrs_0_2": _part(rng, evt, 0.3, 0.5),
    }


def _scores(rng):
    pre = rng.randint(2, 25)
    mrs = rng.choices(range(7), weights=(10, 18, 20, 18, 14, 10, 5))[0]
    discharge = None if mrs == 6 else max(0, pre - rng.randint(-2, pre))
    return pre, discharge, mrs


def draw_cases(rng, values: dict, year: int):
    """附件3 and 附件2 rows as cell values (序号, 年度, …) matching the 总表 counts."""
    numbers = rng.sample(range(100000, 999999), values["ivt_total"] + values["evt_total"])
    ivt_rows, evt_rows = [], []
    drugs = ["阿替普酶"] * values["ivt_alteplase"] + ["尿激酶"] * values["ivt_urokinase"]
    for index, drug in enumerate(drugs):
        pre, discharge, mrs = _scores(rng)
        ivt_rows.append(
            [index + 1, fmt.year_label(year), numbers.pop(), pre, discharge, mrs, drug, None]
        )  # noqa: E501
    modes = ["单纯取栓"] * values["evt_direct"] + ["桥接"] * values["evt_bridging"]
    for index, mode in enumerate(modes):
        pre, discharge, mrs = _scores(rng)
        evt_rows.append([index + 1, fmt.year_label(year), numbers.pop(), mode, pre, discharge, mrs])
    return ivt_rows, evt_rows


# Writing ----------------------------------------------------------------------------------


def _attachment1_headers(book):
    last = fmt.column_index(fmt.ENTERED_COLUMN[0])
    book.write(0, 0, fmt.ATTACHMENT1_TITLE)
    book.merge(0, 0, 0, last)
    for letter, _key, label in fmt.IDENTITY_COLUMNS:
        index = fmt.column_index(letter)
        book.write(1, index, label)
        book.merge(1, index, 2, index)
    spans = {}
    for index, item in fmt.survey_columns():
        heading = str(
            item.heading or (fmt.EDITION.group(item.group).title if item.group != "A" else "")
        )  # noqa: E501
        if not heading:  # 神经科出院患者总例数: one header over two rows
            book.write(1, index, str(item.label))
            book.merge(1, index, 2, index)
            continue
        spans.setdefault(heading, []).append(index)
        book.write(2, index, str(item.label))
    for heading, indexes in spans.items():
        book.write(1, indexes[0], heading)
        if len(indexes) > 1:
            book.merge(1, indexes[0], 1, indexes[-1])
    for letter, label in (fmt.STATUS_COLUMN, fmt.ENTERED_COLUMN):
        index = fmt.column_index(letter)
        book.write(1, index, label)
        book.merge(1, index, 2, index)


def _case_headers(book, spec, hospital_name, director, phone):
    last = fmt.column_index(spec.core_columns[-1].letter)
    book.write(0, 0, str(spec.title))
    book.merge(0, 0, 0, last)
    for offset, (label, value) in enumerate(
        zip(spec.hospital_labels, (hospital_name, director, phone), strict=True)
    ):  # noqa: E501
        row = 1 + offset
        book.write(row, 0, str(label))
        book.merge(row, 0, row, 1)
        book.write(row, 2, value)
        book.merge(row, 2, row, last)
    columns = [c for c in spec.columns if not c.is_model_field or c.core]
    for column in columns:
        book.write(spec.header_row - 1, fmt.column_index(column.letter), str(column.excel_header))


class Writer:
    def __init__(self, rng, xls_share: float):
        self.rng = rng
        self.xls_share = xls_share if xlwt is not None else 0.0
        self.files = 0
        self.xls_files = 0

    def book(self, sheet_name, force_xls=None):
        use_xls = force_xls if force_xls is not None else self.rng.random() < self.xls_share
        if use_xls and xlwt is not None:
            self.xls_files += 1
            return XlsBook(sheet_name)
        return XlsxBook(sheet_name)

    def save(self, book, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
        self.files += 1


def _entered_cell(rng, year, messy):
    day = datetime.date(year + 1, rng.randint(2, 4), rng.randint(1, 28))
    moment = datetime.datetime.combine(
        day, datetime.time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
    )
    if not messy:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    style = rng.random()
    if style < 0.4:
        return moment
    if style < 0.8:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if style < 0.9:
        return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}"
    return moment.date()


def _messy_count(rng, value):
    """A count as a careless typist left it (still readable)."""
    style = rng.random()
    if style < 0.3:
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if style < 0.6:
        return f" {value} "
    if value >= 1000:
        return f"{value:,}"
    return str(value)


def generate_demo_export(
    target,
    *,
    hospitals: int = 240,
    seed: int = 2019,
    xls_share: float = 0.3,
    messy: bool = True,
    corrupt: bool = False,
    zip_path=None,
) -> Summary:
    """Write the demo export into the folder ``target`` (created; must not hold an export
    already) and, with ``zip_path``, zip it there too. Returns what was written."""
    target = Path(target)
    # Seeded on purpose: the demo export must be the same on every run; nothing secret.
    rng = random.Random(seed)  # nosec B311
    writer = Writer(rng, xls_share)
    drawn = draw_hospitals(rng, hospitals)
    summary = Summary(target, hospitals=len(drawn))
    survey = fmt.survey_columns()
    columns = {key: fmt.column_index(letter) for letter, key, _label in fmt.IDENTITY_COLUMNS}
    status_index = fmt.column_index(fmt.STATUS_COLUMN[0])
    entered_index = fmt.column_index(fmt.ENTERED_COLUMN[0])

    for year in fmt.LEGACY_YEARS:
        of_year = [h for h in drawn if year in h.years]
        summary.per_year[year] = len(of_year)
        book = writer.book("Sheet2", force_xls=(year in (2010, 2015)) if writer.xls_share else None)
        _attachment1_headers(book)
        row = fmt.HEADER_ROWS
        for number, hospital in enumerate(of_year, start=1):
            if messy and number == 7:
                row += 1  # Decision 10: a blank row in the middle; the rows after it load
            values = draw_values(rng, hospital.size, year)
            is_messy = messy and rng.random() < 0.15
            name = hospital.name
            if is_messy and rng.random() < 0.3:
                name = f" {name}\u3000"  # stray spaces, also full-width
            cells = {
                "province": hospital.province,
                "city": hospital.city,
                "county": hospital.county,
                "hospital_name": name,
                "grade": hospital.grade,
                "category": hospital.category,
                "director_name": hospital.director,
                "director_phone": int(hospital.phone)
                if messy and rng.random() < 0.3
                else hospital.phone,  # noqa: E501
                "director_email": hospital.email,
                "year": year if is_messy else fmt.year_label(year),
            }
            if hospital.county.isdigit():  # written as a code
                cells["county"] = int(hospital.county) if messy else hospital.county
            for key, value in cells.items():
                book.write(row, columns[key], value)
            blank_c = messy and year == 2010 and values["evt_total"] == 0 and rng.random() < 0.5
            unreadable = is_messy and rng.random() < 0.3
            for index, item in survey:
                value = values[item.code]
                if blank_c and item.group == "C":
                    continue  # an optional group left blank: blank is not 0
                if is_messy and rng.random() < 0.2:
                    value = _messy_count(rng, value)
                if unreadable and index == survey[-1][0]:
                    value = "不详"  # cannot be read as a count: kept blank, reported
                book.write(row, index, value)
            status = "已提交" if rng.random() < (0.9 if year < 2018 else 0.75) else "未提交"
            book.write(row, status_index, f" {status} " if is_messy else status)
            book.write(row, entered_index, _entered_cell(rng, year, messy))
            row += 1
            summary.records += 1

            ivt_rows, evt_rows = draw_cases(rng, values, year)
            if is_messy and ivt_rows and rng.random() < 0.3:
                ivt_rows.append(
                    [len(ivt_rows) + 1, fmt.year_label(year), 888888, 50, 10, 2, "阿替普酶", None]
                )  # noqa: E501
                ivt_rows.append(
                    [
                        len(ivt_rows) + 1,
                        fmt.year_label(year),
                        ivt_rows[0][2],
                        8,
                        3,
                        1,
                        "尿激酶",
                        None,
                    ]
                )  # noqa: E501
            for spec, rows, kind in (
                (ATTACHMENT3, ivt_rows, "附件3"),
                (ATTACHMENT2, evt_rows, "附件2"),
            ):  # noqa: E501
                if not rows:
                    continue
                case_book = writer.book(spec.sheet_name)
                shown_name = f"{hospital.name} " if is_messy else hospital.name
                _case_headers(case_book, spec, shown_name, hospital.director, hospital.phone)
                for offset, values_row in enumerate(rows):
                    for column_offset, value in enumerate(values_row):
                        case_book.write(spec.first_data_row - 1 + offset, column_offset, value)
                filename = fmt.CASE_FILE.format(
                    prefix=kind, year=year, number=number, name=hospital.name,
                    ext=case_book.extension,
                )  # fmt: skip
                writer.save(case_book, target / str(year) / kind / filename)
                if kind == "附件3":
                    summary.thrombolysis += len(rows)
                else:
                    summary.intervention += len(rows)
        name = fmt.ATTACHMENT1_FILE.format(year=year, ext=book.extension)
        writer.save(book, target / str(year) / name)

    if messy:
        orphan = XlsxBook(ATTACHMENT3.sheet_name)
        _case_headers(orphan, ATTACHMENT3, ORPHAN_HOSPITAL, "张三", "13800000000")
        orphan.write(ATTACHMENT3.first_data_row - 1, 0, 1)
        orphan.write(ATTACHMENT3.first_data_row - 1, 1, "2018年")
        orphan.write(ATTACHMENT3.first_data_row - 1, 2, "A0001")
        filename = fmt.CASE_FILE.format(
            prefix="附件3", year=2018, number=999, name=ORPHAN_HOSPITAL, ext=".xlsx"
        )  # noqa: E501
        writer.save(orphan, target / "2018" / "附件3" / filename)
    if corrupt:
        write_corrupt_files(target, drawn)
        writer.files += 1

    summary.files = writer.files
    summary.xls_files = writer.xls_files
    if zip_path:
        zip_folder(target, Path(zip_path))
    return summary


def write_corrupt_files(target: Path, hospitals) -> Path:
    """Replace the 2017 附件3 file of 北京协和医院 with truncated bytes (unreadable)."""
    folder = target / "2017" / "附件3"
    found = sorted(folder.glob("附件3_2017_*_北京协和医院.*"))
    path = found[0] if found else folder / "附件3_2017_001_北京协和医院.xlsx"
    data = path.read_bytes() if path.exists() else b"PK\x03\x04"
    path.write_bytes(data[: max(len(data) // 3, 4)])
    return path


def zip_folder(folder: Path, zip_path: Path) -> Path:
    """Zip an export folder (UTF-8 member names, paths relative to the folder)."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return zip_path

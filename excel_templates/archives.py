"""Checking a workbook before any parser sees it, in bounded memory: an .xlsx (a zip of XML
parts) with ``scan_workbook``, an old binary .xls with ``scan_xls``.

A zip's headers say how large each part is, and they may lie: python-calamine inflates a
part until its deflate stream ends, whatever the headers claim, so one "lying" part of a few
megabytes can grow a worker by gigabytes. ``scan_workbook`` therefore inflates every part
itself, in chunks of ``CHUNK`` bytes, counting the bytes actually produced: a part that
produces more than its headers declare, or parts that together produce more than
``max_unpacked`` bytes, are refused as soon as that happens — at most one chunk past the
limit is ever inflated. The parser then reads exactly the bytes counted here.

While a part streams by, its XML is checked without being held whole:

- no DTD or entity declaration (XML entity expansion);
- in a worksheet, the cells that carry a value (a ``<c>`` that is not self-closing) sit
  within ``SheetLimits``. A reader allocates the whole rectangle from A1 to the last
  value cell, so one value at XFD1048576 would cost gigabytes; styled empty cells
  (``<c r="A900000" s="3"/>``, what WPS and LibreOffice write below formatted columns) cost
  nothing and are allowed anywhere. The ``<dimension>`` element is ignored either way.
  Data that merely runs on past the rows is told so (``SheetLimits.overflow_message``).
  A cell must carry its ``r="A1"`` reference (every spreadsheet program writes it), since a
  reader places cells without one by counting.

A tag cut by a chunk's end is held back and checked whole with the next chunk; a single tag
longer than a chunk is refused.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

CHUNK = 1024 * 1024
MAX_ARCHIVE_MEMBERS = 500
# Per part, above RATIO_FLOOR bytes produced: an XML part of a real workbook deflates about
# tenfold; a hundredfold is a bomb.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024

BROKEN = "文件已损坏，无法读取。请用Excel或WPS打开后另存为.xlsx再上传。"
BOMB = "文件解压后异常庞大（疑似压缩炸弹），已拒绝。"
LYING = (
    "文件结构异常（压缩包记录的大小与实际内容不符），已拒绝。"
    "请用Excel或WPS打开后另存为.xlsx再上传。"
)
ENTITIES = "文件包含不允许的XML声明（DTD/实体），出于安全原因已拒绝。"
CELL_FORM = "文件结构异常（有单元格缺少或写错了位置），请用Excel或WPS打开后另存为.xlsx再上传。"


class ArchiveRefused(Exception):
    """The archive is refused; ``message`` says why, in Chinese. ``inflated``: the bytes
    inflated before the refusal."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
        self.inflated = 0


# Numbers and column letters above a limit, as regular expressions ----------------------


def _above(limit: str, alphabet: str, max_length: int) -> str:
    """A pattern for the words over ``alphabet`` (ordered, no leading first letter for
    digits) that count as greater than ``limit``: longer ones, or as long and larger at the
    first place they differ. Column letters (bijective base 26) and row numbers alike."""
    lowest = alphabet[1] if alphabet[0] == "0" else alphabet[0]
    every = f"[{alphabet[0]}-{alphabet[-1]}]"
    options = []
    if len(limit) < max_length:
        options.append(f"[{lowest}-{alphabet[-1]}]{every}{{{len(limit)},{max_length - 1}}}")
    for i, char in enumerate(limit):
        position = alphabet.index(char)
        if position + 1 < len(alphabet):
            rest = len(limit) - i - 1
            options.append(f"{limit[:i]}[{alphabet[position + 1]}-{alphabet[-1]}]{every}{{{rest}}}")
    return "(?:" + "|".join(options) + ")" if options else "(?!)"


def rows_above(number: int) -> str:
    return _above(str(number), "0123456789", 7)


def _column_letters(count: int) -> str:
    letters = ""
    while count:
        count, rest = divmod(count - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def columns_above(count: int) -> str:
    return _above(_column_letters(count), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index


_REFERENCE = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"')


@dataclass(frozen=True)
class SheetLimits:
    """Where a value cell may sit: rows up to ``rows``, columns up to ``columns``, and a
    sheet wider than ``wide_columns`` no taller than ``wide_rows`` — so that the rectangle a
    reader allocates stays near ``rows × wide_columns`` cells (about 40 bytes each).

    Two kinds of sheet break the row bound, and each is told what it is. Data that simply
    runs on past it (a file with too many rows: its first value cell beyond ``rows`` lies
    within the next ``overflow_rows`` rows) is refused with ``overflow_message`` when one is
    given (an upload: "每个文件最多20000条…"); a value cell far beyond it (a stray entry at
    the foot of the sheet, or a file made to exhaust a reader's memory) and every other
    refusal get ``message()``, the bounds themselves."""

    rows: int
    columns: int = 200
    wide_columns: int = 40
    wide_rows: int = 6000
    overflow_message: object = None  # a str or a lazy translation
    overflow_rows: int = 1000

    def beyond_rows(self, row: int) -> str:
        """The refusal of a sheet whose first value cell beyond ``rows`` is in ``row``."""
        if self.overflow_message is not None and row <= self.rows + self.overflow_rows:
            return str(self.overflow_message)
        return self.message()

    def message(self) -> str:
        return (
            f"工作表范围异常：有数据的单元格只能在前{self.rows}行、前{self.columns}列以内"
            f"（超过{self.wide_columns}列的表只能在前{self.wide_rows}行以内）。"
            "请只保留模板中的数据；数据较多时请分成多个文件导入。"
        )

    def patterns(self):
        """(beyond the limits, wide, tall): each matches a non-self-closing cell tag."""
        end = rb'"[^>]*(?<!/)>'
        far = (
            rf' r="(?:[A-Z]{{1,3}}{rows_above(self.rows)}'
            rf"|{columns_above(self.columns)}[0-9]{{1,7}})"
        )
        wide = rf' r="{columns_above(self.wide_columns)}[0-9]{{1,7}}'
        tall = rf' r="[A-Z]{{1,3}}{rows_above(self.wide_rows)}'
        return tuple(re.compile(p.encode() + end) for p in (far, wide, tall))


# A cell tag not opened by a plain A1 reference (``<c>``, ``<c s="1" r="A5">``, ``<c r="a5">``,
# prefixed ``<x:c …>``): rare, so each one found is then judged as a whole tag.
_UNPLAIN_CELLS = (
    re.compile(rb'<c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")[\s>/]'),
    re.compile(rb':c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")[\s>/]'),
)
_PLAIN_REFERENCE = re.compile(rb'\sr="[A-Z]{1,3}[1-9][0-9]{0,6}"')
TOO_LONG = "文件结构异常（XML标记过长），请用Excel或WPS打开后另存为.xlsx再上传。"


class _XmlChecks:
    """The checks of one XML part, fed chunk by chunk. A tag cut by a chunk's end is held
    back and judged whole with the next chunk, so every check sees whole tags only."""

    def __init__(self, limits: SheetLimits | None):
        self.carry = b""
        self.limits = limits
        self.patterns = limits.patterns() if limits else ()
        self.wide = self.tall = False

    def feed(self, chunk: bytes) -> None:
        xml, self.carry = self.carry + chunk, b""
        cut = xml.rfind(b"<")
        if cut >= 0 and xml.find(b">", cut) < 0:
            xml, self.carry = xml[:cut], xml[cut:]
            if len(self.carry) > CHUNK:
                raise ArchiveRefused(TOO_LONG)
        if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
            raise ArchiveRefused(ENTITIES)
        if self.limits is not None:
            self._cells(xml)

    def _cells(self, xml: bytes) -> None:
        for pattern in _UNPLAIN_CELLS:
            for match in pattern.finditer(xml):
                tag = xml[match.start() : xml.find(b">", match.start()) + 1]
                if not tag.endswith(b"/>") and not _PLAIN_REFERENCE.search(tag):
                    raise ArchiveRefused(CELL_FORM)
        far, wide, tall = self.patterns
        found = far.search(xml)
        if found:
            letters, row = _REFERENCE.search(found.group()).groups()
            if _column_index(letters) <= self.limits.columns:  # then its row is beyond
                raise ArchiveRefused(self.limits.beyond_rows(int(row)))
            raise ArchiveRefused(self.limits.message())
        # Each searched only until first seen (a wide cell may come before or after a tall one).
        self.wide = self.wide or bool(wide.search(xml))
        self.tall = self.tall or bool(tall.search(xml))
        if self.wide and self.tall:
            raise ArchiveRefused(self.limits.message())


@dataclass
class Scan:
    """What ``scan_workbook`` saw: the bytes inflated in all, ``[Content_Types].xml``."""

    inflated: int = 0
    content_types: bytes = b""


def _end_of_central_directory(data: bytes) -> None:
    """Refuse a central directory too large for ``MAX_ARCHIVE_MEMBERS`` before zipfile
    builds an object per entry."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        raise ArchiveRefused(BROKEN)
    entries, size = struct.unpack("<xxxxxxxxxxHI", data[at : at + 16])
    if entries != 0xFFFF and entries > MAX_ARCHIVE_MEMBERS:
        raise ArchiveRefused("文件结构异常（包含的部件过多），已拒绝。")
    if size != 0xFFFFFFFF and size > MAX_ARCHIVE_MEMBERS * 1100:
        raise ArchiveRefused("文件结构异常（包含的部件过多），已拒绝。")


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int:
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise ArchiveRefused(BROKEN)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return offset + 30 + name_length + extra_length


def _inflate(data: bytes, info: zipfile.ZipInfo, start: int, budget: int, feed) -> int:
    """Feed the part's bytes to ``feed`` in chunks; returns the bytes produced. Refused
    once the part produces more than it declares or more than ``budget``."""
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise ArchiveRefused(BROKEN)
    declared = info.file_size
    if declared > budget:
        raise ArchiveRefused(BOMB)
    if info.compress_type == zipfile.ZIP_STORED:
        if declared != len(raw):
            raise ArchiveRefused(LYING)
        for at in range(0, len(raw), CHUNK):
            feed(bytes(raw[at : at + CHUNK]))
        return len(raw)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise ArchiveRefused(BROKEN)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced, at, pending = 0, 0, b""
    try:
        while not inflater.eof:
            if pending:
                piece = inflater.decompress(pending, CHUNK)
            elif at < len(raw):
                piece = inflater.decompress(raw[at : at + CHUNK], CHUNK)
                at += CHUNK
            else:
                piece = inflater.decompress(b"", CHUNK)
                if not piece:
                    break
            pending = inflater.unconsumed_tail
            produced += len(piece)
            if produced > RATIO_FLOOR and produced > MAX_RATIO * max(info.compress_size, 1):
                raise ArchiveRefused(BOMB)
            if piece:
                feed(piece)
            if produced > declared:
                raise ArchiveRefused(LYING if produced <= budget else BOMB)
    except zlib.error:
        raise ArchiveRefused(BROKEN) from None
    if not inflater.eof or produced != declared:
        raise ArchiveRefused(BROKEN)
    return produced


def scan_workbook(
    data: bytes,
    *,
    max_unpacked: int,
    limits: SheetLimits,
    check_names: Callable[[list[str]], None] | None = None,
) -> Scan:
    """Inflate and check every part of the .xlsx ``data`` (see the module docstring);
    ``ArchiveRefused`` with a Chinese reason, as soon as one check fails. ``check_names``
    is called with the parts' names before anything is inflated (to refuse by a name)."""
    _end_of_central_directory(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise ArchiveRefused(BROKEN) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise ArchiveRefused("文件结构异常（包含的部件过多），已拒绝。")
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            # Two parts of one name: readers disagree on which one counts.
            raise ArchiveRefused(BROKEN)
        if check_names is not None:
            check_names(names)
        scan = Scan()
        starts = {}
        for info in infos:
            if info.flag_bits & 0x1:
                raise ArchiveRefused("文件已加密，无法读取。请在Excel中取消密码保护后重新上传。")
            starts[info.filename] = _data_start(data, info)
        spans = sorted(
            (info.header_offset, starts[info.filename] + info.compress_size) for info in infos
        )
        for (_s, end), (next_start, _e) in zip(spans, spans[1:], strict=False):
            if end > next_start:  # overlapping parts: one deflate stream counted twice
                raise ArchiveRefused(BOMB)
        for info in infos:
            name = info.filename.lower()
            checks = None
            if name.endswith((".xml", ".rels", ".vml")):
                is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
                checks = _XmlChecks(limits if is_sheet else None)
            pieces = [] if name == "[content_types].xml" else None

            def feed(piece, checks=checks, pieces=pieces):
                scan.inflated += len(piece)
                if checks is not None:
                    checks.feed(piece)
                if pieces is not None:
                    pieces.append(piece)

            try:
                _inflate(data, info, starts[info.filename], max_unpacked - scan.inflated, feed)
            except ArchiveRefused as refused:
                refused.inflated = scan.inflated
                raise
            if pieces:
                scan.content_types = b"".join(pieces)
        return scan


# The old binary .xls (an OLE compound file of BIFF records) ------------------------------

# BIFF records that put a value in a cell (row and column in their first four bytes);
# BLANK and MULBLANK (formatting only) cost a reader nothing and are allowed anywhere.
_VALUE_RECORDS = {0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0203, 0x0204, 0x0205, 0x027E,
                  0x00FD, 0x00D6, 0x00BD}  # fmt: skip
_MULRK, _BOF = 0x00BD, 0x0809


def scan_xls(data: bytes, *, limits: SheetLimits) -> None:
    """Refuse an .xls whose value cells lie beyond ``limits`` (a reader allocates the
    rectangle up to the last one: a 6 KB file with one value at IV65536 costs about a
    gigabyte). ``ArchiveRefused`` with a Chinese reason; a file olefile cannot open is left
    to the reader, which refuses it as unreadable."""
    import olefile

    try:
        with olefile.OleFileIO(data) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                return
            stream = ole.openstream(name).read()
    except (OSError, ValueError, struct.error, IndexError):
        return
    rows = columns = 0

    def judge():
        if rows > limits.rows or columns > limits.columns:
            raise ArchiveRefused(limits.message())
        if rows > limits.wide_rows and columns > limits.wide_columns:
            raise ArchiveRefused(limits.message())

    at, size = 0, len(stream)
    while at + 4 <= size:
        kind, length = struct.unpack_from("<HH", stream, at)
        body = at + 4
        at = body + length
        if kind == _BOF:
            judge()
            rows = columns = 0
        elif kind in _VALUE_RECORDS and length >= 4 and at <= size:
            row, column = struct.unpack_from("<HH", stream, body)
            if kind == _MULRK and length >= 6:
                (column,) = struct.unpack_from("<H", stream, at - 2)
            rows, columns = max(rows, row + 1), max(columns, column + 1)
    judge()

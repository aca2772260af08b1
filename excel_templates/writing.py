"""Values → cells, for every workbook and CSV file the platform writes (导出总表, the case
export, the 一键下载 templates, the annotated copy of an upload): no cell that a spreadsheet
program evaluates."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What makes a spreadsheet read typed text as a formula (OWASP "CSV Injection", which covers
# .xlsx as well): = + - @, and a leading tab or carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    """Text without the characters XML cannot hold (what every writer does first)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula (the one rule of every writer:
    ``inert`` for openpyxl, ``inert_text`` for CSV, ``streaming`` for the streamed .xlsx)."""
    return text.startswith(FORMULA_TRIGGERS)


def inert(cell, value):
    """Put ``value`` into the openpyxl ``cell`` (also a write-only cell) as a value that no
    spreadsheet program evaluates, and return the cell. Text that starts like a formula is
    stored as a string with Excel's quote prefix: shown as the very text, kept as text when
    someone edits the cell, and read back unchanged (no apostrophe added to the value).
    Characters XML cannot hold are dropped; numbers, dates and booleans stay as they are."""
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        if looks_like_formula(value):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def inert_text(value: str) -> str:
    """``inert`` for a CSV field, which has no types and no quote prefix: text that starts
    like a formula gets a leading apostrophe (OWASP's advice), so that a spreadsheet opening
    the file shows it as text. The same characters are dropped as in a workbook."""
    if not value.isprintable():  # a quick test first: a million rows pass through here
        value = clean_text(value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value

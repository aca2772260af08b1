"""Values → cells, for every workbook the platform writes (导出总表, the 一键下载 templates,
the annotated copy of an upload): no cell that a spreadsheet program evaluates."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What makes a spreadsheet read typed text as a formula (OWASP "CSV Injection", which covers
# .xlsx as well): = + - @, and a leading tab or carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell, value):
    """Put ``value`` into the openpyxl ``cell`` (also a write-only cell) as a value that no
    spreadsheet program evaluates, and return the cell. Text that starts like a formula is
    stored as a string with Excel's quote prefix: shown as the very text, kept as text when
    someone edits the cell, and read back unchanged (no apostrophe added to the value).
    Characters XML cannot hold are dropped; numbers, dates and booleans stay as they are."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if value.startswith(FORMULA_TRIGGERS):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell

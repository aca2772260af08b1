"""What every workbook the platform writes must satisfy (issue 17 item 5): no cell is a
formula, and text that a spreadsheet would take for one is a string with the quote prefix."""

from excel_templates.writing import FORMULA_TRIGGERS


def assert_no_live_formula(workbook) -> int:
    """Checks every cell of every sheet of an openpyxl workbook; returns how many."""
    cells = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                cells += 1
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    assert (cell.data_type, cell.quotePrefix) == ("s", True), (
                        sheet.title, cell.coordinate, cell.value
                    )  # fmt: skip
    return cells

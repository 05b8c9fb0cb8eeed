"""Exported workbooks read back with openpyxl (a second, independent XLSX implementation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def read_sheets(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet of ``path`` by name, in order, as rows of cell values. The workbook is
    closed before returning: a read-only one keeps its file open until closed."""
    book = load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()

"""A worksheet as a table: find the header row, name the columns, list the data rows.

Workbooks from the administration carry title rows above the header, headers merged across
rows or columns, blank spacer rows and values merged over several rows. A merged cell shows
its value in every cell it covers, so that is how it is read here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from busplan.io.excel.cells import is_blank, text
from busplan.io.excel.names import match_columns, words

HEADER_SEARCH_ROWS = 20
"""The header is expected within the first rows of a sheet."""


class SheetError(ValueError):
    """The sheet has no usable header: none of its rows names the key column."""


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    """Excel row number, as shown at the left of the sheet."""
    values: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)


@dataclass(slots=True)
class Table:
    sheet: str
    header_row: int
    columns: dict[str, str]
    """Field -> the header text it was read from."""
    rows: list[Row] = field(default_factory=list)
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> str:
        """The header a field was read from, for messages (the field name if it is absent)."""
        return self.columns.get(name, name)


def read_table(ws: Worksheet, fields: Mapping[str, Sequence[str]], key: str) -> Table:
    """Rows of `ws` as field -> value; `key` is the field that identifies the header row."""
    grid = _grid(ws)
    header_row, data_start, headers = _header(grid, ws, fields, key)
    found, notes = match_columns(headers, fields)
    table = Table(ws.title, header_row, {f: headers[c] for f, c in found.items()}, notes=notes)
    for offset, values in enumerate(grid[data_start - 1 :]):
        if all(is_blank(v) for v in values):
            table.blank_rows += 1
            continue
        cells = {f: values[c] if c < len(values) else None for f, c in found.items()}
        table.rows.append(Row(data_start + offset, cells))
    return table


def _grid(ws: Worksheet) -> list[list[Any]]:
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        value = ws.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
            row = grid[r - 1]
            for c in range(merged.min_col, merged.max_col + 1):
                if c <= len(row):
                    row[c - 1] = value
    return grid


def _header(
    grid: list[list[Any]], ws: Worksheet, fields: Mapping[str, Sequence[str]], key: str
) -> tuple[int, int, list[str]]:
    """(header row, first data row, one header text per column). A header merged down over
    several rows makes a two-row header: the texts of its rows are joined per column."""
    key_names = {words(a) for a in fields[key]}
    for r, values in enumerate(grid[:HEADER_SEARCH_ROWS], start=1):
        labels = [text(v) for v in values]
        if not any(words(label) in key_names for label in labels):
            continue
        last = r
        for merged in ws.merged_cells.ranges:
            if merged.min_row <= r <= merged.max_row:
                last = max(last, merged.max_row)
        headers = []
        for c in range(len(values)):
            parts: list[str] = []
            for row in grid[r - 1 : last]:
                part = text(row[c]) if c < len(row) else ""
                if part and part not in parts:
                    parts.append(part)
            headers.append(" ".join(parts))
        return r, last + 1, headers
    spelled = " / ".join(f'"{a}"' for a in fields[key])
    raise SheetError(f"no header row naming {spelled} in the first {HEADER_SEARCH_ROWS} rows")

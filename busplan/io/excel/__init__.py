"""The regional school-transport contract workbooks (Galician or Spanish layout) to trips."""

from busplan.io.excel.workbook import read_workbook

__all__ = ["read_workbook"]

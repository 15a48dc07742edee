"""Zip bombs: refuse a workbook whose contents would unpack to more than a limit.

An .xlsx is a zip archive; a few kilobytes can hold gigabytes of repeated XML. The central
directory states every member's unpacked size, and Python's zipfile (which the workbook reader
uses) never inflates a member past its stated size, so summing those sizes before parsing
bounds the memory and time any later reading can take.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_MEMBERS = 10_000


class ArchiveTooLarge(ValueError):
    """The archive unpacks to more than allowed, or has too many members."""


def check_archive(path: str | Path, *, max_unpacked: int) -> None:
    """Raise ArchiveTooLarge for a zip bomb; anything that is not a zip archive passes (the
    reader then reports it as unreadable, with its own clear message)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if len(members) > MAX_MEMBERS:
        raise ArchiveTooLarge(f"{len(members)} members in the archive; at most {MAX_MEMBERS}")
    unpacked = sum(m.file_size for m in members)
    if unpacked > max_unpacked:
        raise ArchiveTooLarge(
            f"unpacks to {unpacked} bytes; workbooks may unpack to at most {max_unpacked}"
        )

"""`POST /problems/import`: contract workbooks or route lists in, a problem and its report out."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile

from busplan.api.auth import current_tenant
from busplan.api.deps import SettingsDep
from busplan.api.errors import ApiError
from busplan.io.imports import ImportFailed, import_files
from busplan.io.zipguard import ArchiveTooLarge, check_archive

router = APIRouter(prefix="/problems", tags=["problems"])

SUFFIXES = {".xlsx", ".xlsm", ".json"}


@router.post("/import", dependencies=[Depends(current_tenant)])
def import_problem(
    files: Annotated[list[UploadFile], File()], settings: SettingsDep
) -> dict[str, Any]:
    """Read uploaded workbooks (.xlsx) and route lists (.json) into one problem document.

    The answer has `problem` (ready for `/optimize-async`) and the parse `report`; if nothing
    usable could be read the answer is 422 with the report. A workbook that would unpack to
    more than MAX_IMPORT_UNPACKED_BYTES is refused with 413 before it is parsed.
    """
    with tempfile.TemporaryDirectory(prefix="busplan-import-") as folder:
        paths = [_save(upload, Path(folder), n) for n, upload in enumerate(files)]
        for path in paths:
            _check_unpacked(path, settings.max_import_unpacked_bytes)
        try:
            imported = import_files(paths)
        except ImportFailed as exc:
            raise ApiError(
                422, "IMPORT_FAILED", str(exc), errors=_file_errors(exc.report.to_dict())
            ) from exc
    return {"problem": imported.document, "report": imported.report.to_dict()}


def _save(upload: UploadFile, folder: Path, n: int) -> Path:
    name = Path(upload.filename or f"upload-{n}").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ApiError(
            415, "UNSUPPORTED_FILE", f"{name}: upload .xlsx workbooks or .json route lists"
        )
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).stem)[:80] or "upload"
    path = folder / f"{n:03d}-{safe}{suffix}"
    path.write_bytes(upload.file.read())
    return path


def _check_unpacked(path: Path, limit: int) -> None:
    if path.suffix == ".json":
        return
    try:
        check_archive(path, max_unpacked=limit)
    except ArchiveTooLarge as exc:
        raise ApiError(413, "ARCHIVE_TOO_LARGE", f"{path.name[4:]}: {exc}") from None


def _file_errors(report: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"path": f"files[{n}]", "reason": str(f.get("error"))}
        for n, f in enumerate(report.get("files", []))
        if f.get("error")
    ]

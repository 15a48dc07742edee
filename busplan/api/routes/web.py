"""The browser UI: its page at `/` and its static files under `/web/`.

The files live in the package (`busplan/web/`), so `pip install busplan` serves the UI with no
build step. They are mounted under their own prefix rather than at `/`, so that an unknown API
path still gets the API's problem+json 404 instead of a file-not-found page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parents[2] / "web"

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    # no-cache: a new release's page must not be paired with an old cached one.
    return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def install(app: FastAPI) -> None:
    """Serve the UI from `app`: the page at `/`, its scripts, styles and images at `/web/`."""
    app.include_router(router)
    app.mount("/web", StaticFiles(directory=WEB_DIR), name="web")

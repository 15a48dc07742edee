"""The core stays pure: no web, database, queue or HTTP library is imported by it."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = [
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "redis",
    "celery",
    "httpx",
    "requests",
    "urllib3",
    "uvicorn",
    "psycopg",
    "openpyxl",
    "reportlab",
]


def test_core_imports_no_service_libraries() -> None:
    """Importing and running the solver loads none of the service libraries."""
    code = (
        "import sys, busplan.core, busplan.core.solve\n"
        f"bad = [m for m in {FORBIDDEN!r} if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

"""`busplan db upgrade`: create or migrate the job database named by DATABASE_URL."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("db", help="manage the job database")
    actions = p.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply all migrations (safe to repeat)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from busplan.settings import ServiceSettings
    from busplan.store import make_engine, upgrade
    from busplan.store.migrate import current_revision

    settings = ServiceSettings()
    engine = make_engine(settings.store_url)
    try:
        upgrade(engine)
        print(f"database at revision {current_revision(engine)}", file=sys.stderr)
    finally:
        engine.dispose()
    return 0

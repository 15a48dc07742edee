"""busplan: plan school-bus fleets (fewest buses, least deadhead, fewest moved bells)."""

from __future__ import annotations

import time

STARTED = time.monotonic()
"""When the command began, before the imports below (about 1 s of ortools, numpy and the rest):
`optimize --time-limit` covers the whole command."""

import argparse
import sys
from collections.abc import Sequence

from busplan import __version__
from busplan.cli import bells, check, db, export, imports, keys, optimize, serve, travel, worker
from busplan.i18n import LANGS

COMMANDS = [optimize, check, bells, travel, imports, export, serve, db, worker, keys]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="busplan", description=__doc__)
    parser.add_argument("--version", action="version", version=f"busplan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    for command_parser in sub.choices.values():
        command_parser.add_argument(
            "--lang",
            choices=LANGS,
            help="language of the words printed and exported (default: from $LANG, else en)",
        )
    return parser


NEGATIVE_VALUES = ("--range",)
"""Options whose value may start with a minus ("--range -30,30"), which argparse would
otherwise take for an option of its own."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command: the process's own (`argv` None), whose clock started before the
    imports, or one given by a caller, whose clock starts now."""
    started = STARTED if argv is None else time.monotonic()
    given = list(sys.argv[1:] if argv is None else argv)
    joined: list[str] = []
    for arg in given:
        if joined and joined[-1] in NEGATIVE_VALUES and arg.startswith("-"):
            joined[-1] = f"{joined[-1]}={arg}"
        else:
            joined.append(arg)
    args = build_parser().parse_args(joined)
    args.started = started
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

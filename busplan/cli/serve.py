"""`busplan serve [--host H] [--port P]`: run the API (jobs, live progress, results)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the HTTP and WebSocket API")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from busplan.api import create_app
    from busplan.settings import ServiceSettings

    settings = ServiceSettings(bind_host=args.host)  # decides whether API keys are required
    # Keep-alive is done with WebSocket ping frames: the server pings every interval and
    # drops a client that has not answered within the timeout.
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        ws="websockets-sansio",
        ws_ping_interval=settings.ws_heartbeat_interval,
        ws_ping_timeout=settings.ws_ping_timeout,
        ws_max_size=settings.ws_max_message_bytes,
        log_level="info",
    )
    return 0

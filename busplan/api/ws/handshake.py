"""Who may open a job's WebSocket: the browser origin and the API key, checked before the
handshake is accepted.

Browsers cannot set headers on a WebSocket, but they can offer subprotocols, so the key
travels as the subprotocol `bearer.<key>` next to `busplan`; the server selects `busplan` and
never echoes the key. Keys are never taken from the URL, where logs and proxies keep them; a
single-use ticket from `POST /ws-ticket` may be (`?ticket=`): it is worthless once used or
expired.
An `Origin` header (sent by every browser) must be the API's own origin or one of
WS_ALLOWED_ORIGINS, so a page on another site cannot use a visitor's access; clients that are
not browsers send no Origin and are judged by their key alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from anyio import to_thread
from starlette.websockets import WebSocket

from busplan.api.auth import tenant_for_key
from busplan.api.tickets import TicketBook
from busplan.settings import ServiceSettings

SUBPROTOCOL = "busplan"
BEARER = "bearer."


@dataclass(frozen=True, slots=True)
class Admission:
    tenant: str
    subprotocol: str | None


async def admit(websocket: WebSocket) -> Admission | None:
    """The tenant and the subprotocol to select; None if the handshake must be refused."""
    settings: ServiceSettings = websocket.app.state.settings
    if not origin_allowed(websocket, settings):
        return None
    offered = list(websocket.scope.get("subprotocols") or [])
    subprotocol = SUBPROTOCOL if SUBPROTOCOL in offered else None
    ticket = websocket.query_params.get("ticket")
    if ticket is not None:
        book: TicketBook = websocket.app.state.tickets
        tenant = await to_thread.run_sync(book.redeem, ticket)
        return Admission(tenant, subprotocol) if tenant is not None else None
    keys = [p[len(BEARER) :] for p in offered if p.startswith(BEARER)]
    if len(keys) > 1:
        return None
    key = keys[0] if keys else None
    tenant = await to_thread.run_sync(tenant_for_key, websocket, key)
    if tenant is None:
        return None
    return Admission(tenant, subprotocol)


def origin_allowed(websocket: WebSocket, settings: ServiceSettings) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    host = websocket.headers.get("host", "")
    own = {f"http://{host}", f"https://{host}"}
    return origin in own or origin in settings.ws_allowed_origins

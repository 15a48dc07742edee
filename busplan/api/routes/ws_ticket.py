"""`POST /ws-ticket`: a short-lived, single-use ticket to open a job's WebSocket with."""

from __future__ import annotations

from fastapi import APIRouter, Request

from busplan.api.auth import TenantDep
from busplan.api.deps import SettingsDep
from busplan.api.schemas import WsTicket
from busplan.api.tickets import TicketBook

router = APIRouter(tags=["jobs"])


@router.post("/ws-ticket")
def issue_ticket(request: Request, tenant: TenantDep, settings: SettingsDep) -> WsTicket:
    """A ticket for `/ws/optimize/{job_id}?ticket=...`, valid once, for WS_TICKET_SECONDS."""
    book: TicketBook = request.app.state.tickets
    return WsTicket(ticket=book.issue(tenant), expires_in=settings.ws_ticket_seconds)

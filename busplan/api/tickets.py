"""WebSocket tickets: `POST /ws-ticket` trades an API key for a single-use ticket that is valid
for WS_TICKET_SECONDS, for clients that can neither set headers nor subprotocols on a socket.

A ticket may travel in the socket's URL (`?ticket=`) because it is worthless once used or
expired, unlike the key. Tickets live in Redis when REDIS_URL is set, so any API node accepts
them; otherwise in the node that issued them.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Protocol

import redis

from busplan.settings import ServiceSettings


class TicketBook(Protocol):
    def issue(self, tenant: str) -> str: ...

    def redeem(self, ticket: str) -> str | None:
        """The ticket's tenant, once; None if unknown, used or expired."""
        ...


class MemoryTickets:
    def __init__(self, *, seconds: float) -> None:
        self.seconds = seconds
        self._tickets: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def issue(self, tenant: str) -> str:
        ticket = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._tickets = {t: v for t, v in self._tickets.items() if v[1] > now}
            self._tickets[ticket] = (tenant, now + self.seconds)
        return ticket

    def redeem(self, ticket: str) -> str | None:
        with self._lock:
            found = self._tickets.pop(ticket, None)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]


class RedisTickets:
    def __init__(self, client: redis.Redis, *, seconds: float, prefix: str) -> None:
        self.client = client
        self.seconds = seconds
        self.prefix = prefix

    def issue(self, tenant: str) -> str:
        ticket = secrets.token_urlsafe(32)
        self.client.set(self.prefix + ticket, tenant, px=int(self.seconds * 1000))
        return ticket

    def redeem(self, ticket: str) -> str | None:
        tenant = self.client.getdel(self.prefix + ticket)
        return tenant.decode() if isinstance(tenant, bytes) else None


def build_ticket_book(settings: ServiceSettings) -> TicketBook:
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2.0)
        prefix = settings.redis_key_prefix + "ws-ticket:"
        return RedisTickets(client, seconds=settings.ws_ticket_seconds, prefix=prefix)
    return MemoryTickets(seconds=settings.ws_ticket_seconds)

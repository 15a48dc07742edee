"""Why road travel times could not be had, as exceptions a user can act on.

Two families, because they call for different reactions: `OsrmUnavailable` means the server
could not be reached or kept failing (a fallback to the estimate may be allowed); `OsrmError`
means the server answered and refused (a bad coordinate, a too-large request): an estimate
would only hide the problem, so it is never a reason to fall back.
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base of every travel-time failure."""


class OsrmUnavailable(RoutingError):
    """The server did not answer usefully: connection refused, timeouts, 5xx, 429, open circuit."""


class OsrmError(RoutingError):
    """The server answered with an error code (`code` as in OSRM's HTTP API)."""

    def __init__(
        self, code: str, message: str, hint: str = "", where: tuple[float, float] | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.hint = hint or HINTS.get(code, "")
        self.where = where
        """(lat, lon) of the location the server could not use, when known."""
        text = f"OSRM {code}: {message}" if message else f"OSRM {code}"
        super().__init__(f"{text}. {self.hint}" if self.hint else text)


class TravelTimesUnavailable(RoutingError):
    """No travel times could be produced under the configured rules (fallback disallowed)."""


_MALFORMED = "the request was malformed: the server may speak another API version"
HINTS = {
    "InvalidUrl": _MALFORMED,
    "InvalidService": _MALFORMED,
    "InvalidVersion": _MALFORMED,
    "InvalidOptions": _MALFORMED,
    "InvalidQuery": _MALFORMED,
    "InvalidValue": _MALFORMED,
    "NoSegment": "a location is not near any road of the server's map: check its coordinates "
    "and that the server covers the region",
    "TooBig": "the request is larger than the server's --max-table-size: set OSRM_TABLE_SIZE "
    "to at most that limit",
    "NoTable": "the server found no table for these locations",
    "NoRoute": "no road route connects these locations",
    "NotImplemented": "this server does not offer the service",
    "DisabledDataset": "the server's dataset for this service is disabled",
}

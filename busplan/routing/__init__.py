"""Road travel times: OSRM's Table and Route services, a persistent cache, honest fallback.

`travel_for(problem, config)` and `prepare(problem, config)` are the front doors; the result
implements `busplan.core.travel.TravelTimes`, so the core never talks HTTP.
"""

from busplan.routing.cache import CacheStats, RedisCache, SqliteCache, TravelCache, open_cache
from busplan.routing.config import RoutingConfig
from busplan.routing.errors import (
    OsrmError,
    OsrmUnavailable,
    RoutingError,
    TravelTimesUnavailable,
)
from busplan.routing.osrm import OsrmClient
from busplan.routing.provider import Prepared, prepare, travel_for
from busplan.routing.report import TravelReport

__all__ = [
    "CacheStats",
    "OsrmClient",
    "OsrmError",
    "OsrmUnavailable",
    "Prepared",
    "RedisCache",
    "RoutingConfig",
    "RoutingError",
    "SqliteCache",
    "TravelCache",
    "TravelReport",
    "TravelTimesUnavailable",
    "open_cache",
    "prepare",
    "travel_for",
]

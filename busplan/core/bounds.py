"""A proven lower bound on the number of buses.

Every bus is a chain of trips, so the fleet is at least the size of a minimum path cover of the
trips, which is the number of trips minus a maximum matching of possible connections. Allowing a
connection whenever *some* shifts make it feasible (i as early as its window allows, j as late)
can only add connections, so the cover on those optimistic connections never exceeds the true
optimum. With fixed times (all windows [0, 0]) the bound is exact.
"""

from __future__ import annotations

from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from busplan.core.connections import BoolArray, Connections


def max_matching(possible: BoolArray) -> int:
    """Size of a maximum matching between trip ends (rows) and trip starts (columns)."""
    if possible.shape[0] == 0:
        return 0
    matched = maximum_bipartite_matching(csr_matrix(possible), perm_type="column")
    return int((matched >= 0).sum())


def fleet_lower_bound(connections: Connections) -> int:
    """Minimum path cover on optimistic connections: no plan needs fewer buses."""
    return len(connections) - max_matching(connections.optimistic())

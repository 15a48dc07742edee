"""The compact trip-by-trip tables give the same answers as 64-bit ones, and the sparse flow of
large groups keeps the fewest buses."""

from __future__ import annotations

import numpy as np
import pytest

from busplan.core import flow
from busplan.core.connections import NEVER, compact
from busplan.core.flow import min_cost_cover
from busplan.core.travel import EstimateSettings, estimated_seconds, haversine_km
from busplan.io.problem_json import parse_problem
from tests.conftest import random_problem
from tests.core.brute_force import connections


def test_estimate_in_blocks_equals_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    ends = np.column_stack([rng.uniform(41.5, 43.0, 37), rng.uniform(-9.0, -7.0, 37)])
    starts = np.column_stack([rng.uniform(41.5, 43.0, 23), rng.uniform(-9.0, -7.0, 23)])
    settings = EstimateSettings()
    whole = settings.seconds(haversine_km(ends, starts))
    monkeypatch.setattr("busplan.core.travel.BLOCK_CELLS", 50)  # two rows a block
    blocks = estimated_seconds(ends, starts, settings)
    assert blocks.dtype == np.int32
    assert np.array_equal(blocks, whole)


def test_compact_keeps_64_bits_only_when_needed() -> None:
    assert compact(np.array([0, NEVER, -NEVER], np.int64)).dtype == np.int32
    wide = compact(np.array([0, 3 * 10**9], np.int64))
    assert wide.dtype == np.int64
    assert int(wide[1]) == 3 * 10**9


def test_far_shifts_never_wrap_32_bit_slack() -> None:
    """A NEVER slack stays infeasible and a real one stays exact, whatever the shifts."""
    c = connections(parse_problem(random_problem(2, n=6, window=0)))
    assert c.slack.dtype == np.int32
    huge = np.full(len(c), 2 * 10**9, np.int64)
    huge[::2] = -(2 * 10**9)
    wide = c.slack.astype(np.int64) + huge[None, :] - huge[:, None] >= 0
    assert np.array_equal(c.feasible(huge), wide)
    assert not c.feasible(np.zeros(len(c), np.int64)).diagonal().any()


def test_subset_of_everything_is_the_same_object() -> None:
    c = connections(parse_problem(random_problem(1, n=5)))
    assert c.subset(range(len(c))) is c
    part = c.subset([3, 1])
    assert part.trips == (c.trips[3], c.trips[1])
    assert part.slack[0, 1] == c.slack[3, 1]


@pytest.mark.parametrize("seed", range(5))
def test_sparse_cover_keeps_the_fewest_buses(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With two neighbours per trip the sparse flow still finds the dense flow's bus count
    (it keeps a maximum matching), and only possible connections."""
    rng = np.random.default_rng(seed)
    n = 60
    start = np.sort(rng.integers(0, 600, n))
    possible = start[None, :] - start[:, None] >= rng.integers(20, 120, (n, n))
    cost = rng.integers(0, 500, (n, n)).astype(np.int32)
    dense = min_cost_cover(possible, cost)
    monkeypatch.setattr(flow, "SPARSE_FROM", 10)
    monkeypatch.setattr(flow, "NEAREST", 2)
    sparse = min_cost_cover(possible, cost)
    assert len(sparse) == len(dense)
    assert all(possible[i, j] for i, j in sparse)
    assert len({i for i, _ in sparse}) == len({j for _, j in sparse}) == len(sparse)

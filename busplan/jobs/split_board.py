"""Where the parts of a split job meet in Redis: claims, progress, plans, and the stop sign.

Per part, a claim key names the process solving it and lapses unless renewed (so a lost worker
frees its part), a counter says how many times it was claimed, and the plan (or the reason it
failed) is kept until the job is long finished. A part runs only after its claim, so a part
whose message is delivered twice, or that the job's own task took first, is solved once. The
job's task keeps a heartbeat key while it gathers; parts stop when it lapses, when the job's
cancel flag is raised, or when the task raises the stop sign (a part failed, or the job ended).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis

from busplan.jobs.redis_names import Keys, cancel_requested

RESULT_TTL = 24 * 3600


@dataclass(frozen=True)
class PartState:
    claimed: bool
    runs: int
    outcome: dict[str, Any] | None
    """{"plan": ...} or {"failed": message, "error_code": code}, once the part has ended."""


class SplitBoard:
    def __init__(self, client: redis.Redis, keys: Keys, job_id: str, lease: float) -> None:
        self._redis = client
        self._keys = keys
        self.job_id = job_id
        self._lease_ms = max(int(lease * 1000), 1000)
        self._base = f"{keys.prefix}split:{job_id}"

    def _key(self, part: int, what: str) -> str:
        return f"{self._base}:{part}:{what}"

    # -- parts ----------------------------------------------------------------------------

    def claim(self, part: int, owner: str, runs_allowed: int | None = None) -> bool:
        """Take the part for `owner` unless it is claimed or has ended, or has already run
        `runs_allowed` times (then a run was lost, and is seen as lost before another)."""
        if self._redis.exists(self._key(part, "outcome")):
            return False
        runs = int(self._redis.get(self._key(part, "runs")) or 0)
        if runs_allowed is not None and runs >= runs_allowed:
            return False
        if not self._redis.set(self._key(part, "owner"), owner, nx=True, px=self._lease_ms):
            return False
        self._redis.incr(self._key(part, "runs"))
        self._redis.expire(self._key(part, "runs"), RESULT_TTL)
        return True

    def renew(self, part: int, owner: str) -> bool:
        """Extend the claim; False if the part is no longer this owner's."""
        key = self._key(part, "owner")
        if self._redis.get(key) != owner.encode():
            return False
        return bool(self._redis.pexpire(key, self._lease_ms))

    def finish(self, part: int, owner: str, outcome: dict[str, Any]) -> None:
        """Keep the part's outcome, then drop the claim (in that order: a part with no claim
        and no outcome after it was claimed has lost its worker)."""
        self._redis.set(self._key(part, "outcome"), json.dumps(outcome), ex=RESULT_TTL)
        if self._redis.get(self._key(part, "owner")) == owner.encode():
            self._redis.delete(self._key(part, "owner"))

    def release(self, part: int, owner: str) -> None:
        """Give the part up without an outcome (stopped): it may be claimed again."""
        if self._redis.get(self._key(part, "owner")) == owner.encode():
            self._redis.delete(self._key(part, "owner"))

    def state(self, part: int) -> PartState:
        pipe = self._redis.pipeline()
        pipe.exists(self._key(part, "owner"))
        pipe.get(self._key(part, "runs"))
        pipe.get(self._key(part, "outcome"))
        owned, runs, outcome = pipe.execute()
        return PartState(
            bool(owned), int(runs or 0), json.loads(outcome) if outcome is not None else None
        )

    # -- progress -------------------------------------------------------------------------

    def report(self, part: int, phase: str, progress: float, message: str) -> None:
        value = json.dumps([phase, progress, message])
        self._redis.hset(f"{self._base}:progress", str(part), value)
        self._redis.expire(f"{self._base}:progress", RESULT_TTL)

    def progress(self) -> dict[int, tuple[str, float, str]]:
        raw = self._redis.hgetall(f"{self._base}:progress")
        out = {}
        for key, value in raw.items():
            phase, progress, message = json.loads(value)
            out[int(key)] = (str(phase), float(progress), str(message))
        return out

    # -- the job's task and the stop sign -------------------------------------------------

    def beat(self) -> None:
        """The job's task is gathering (parts stop when this lapses)."""
        self._redis.set(f"{self._base}:gatherer", b"1", px=self._lease_ms)

    def gatherer_alive(self) -> bool:
        return bool(self._redis.exists(f"{self._base}:gatherer"))

    def stop(self) -> None:
        self._redis.set(f"{self._base}:stop", b"1", ex=RESULT_TTL)
        self._redis.delete(f"{self._base}:gatherer")

    def should_stop(self) -> bool:
        """The job was cancelled, its task stopped the parts, or it has no task any more."""
        if self._redis.exists(f"{self._base}:stop") or not self.gatherer_alive():
            return True
        return cancel_requested(self._redis, self._keys, self.job_id)

    def start(self, parts: int) -> None:
        """A new gathering (a first run, or a re-run of a job whose task was lost): an old stop
        sign no longer holds, and runs of parts that have not ended start counting again
        (the parts of a lost task stop by themselves once its heartbeat lapses)."""
        self._redis.delete(f"{self._base}:stop")
        self.beat()
        for part in range(parts):
            if not self._redis.exists(self._key(part, "outcome")):
                self._redis.delete(self._key(part, "runs"))

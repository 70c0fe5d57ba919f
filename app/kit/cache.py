"""A small in-process cache for answers that are costly to compute and cheap to keep
(dashboard statistics).

An entry is dropped after `ttl` seconds, and at once when this process commits a write, so a
client never reads its own write stale; other processes see it within `ttl` seconds.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

_generation = 0


@event.listens_for(Session, "after_flush")
def _wrote(session: Session, _: UOWTransaction) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    global _generation
    if session.info.pop("wrote", False):
        _generation += 1


class ResultCache:
    """Answers by key for `ttl` seconds (ttl 0: nothing is kept, but concurrent requests for
    one key still share one computation)."""

    def __init__(self, ttl: float, size: int = 512) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}

    def _lookup(self, key: Hashable) -> tuple[Any | None, Any | None]:
        """(fresh value, stale value): an expired entry is still good to answer while it is
        being recomputed, unless this process has written since (read your own writes)."""
        entry = self._entries.get(key)
        if entry is None:
            return None, None
        expires, generation, value = entry
        if generation != _generation:
            del self._entries[key]
            return None, None
        if expires < time.monotonic():
            return None, value
        return value, None

    def get(self, key: Hashable) -> Any | None:
        return self._lookup(key)[0]

    async def get_or_compute(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The cached answer, or a new one. Concurrent misses on one key compute it once: the
        others wait for that answer, or get the expired one meanwhile if there is one."""
        fresh, stale = self._lookup(key)
        if fresh is not None:
            return fresh
        pending = self._inflight.get(key)
        if pending is not None:
            if stale is not None:
                return stale
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this request was cancelled
                return await self.get_or_compute(key, compute)  # the computing one was
        pending = asyncio.get_running_loop().create_future()
        self._inflight[key] = pending
        try:
            value = await compute()
        except asyncio.CancelledError:
            pending.cancel()
            raise
        except Exception as error:
            pending.set_exception(error)
            pending.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        finally:
            del self._inflight[key]
        pending.set_result(value)
        self.put(key, value)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        if self.ttl <= 0:
            return
        self._entries[key] = (time.monotonic() + self.ttl, _generation, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

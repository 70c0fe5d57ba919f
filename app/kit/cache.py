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
    def __init__(self, ttl: float, size: int = 512) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._locks: dict[Hashable, asyncio.Lock] = {}

    def get(self, key: Hashable) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, generation, value = entry
        if generation != _generation or expires < time.monotonic():
            del self._entries[key]
            return None
        return value

    async def get_or_compute(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The cached answer, or a new one; concurrent misses on one key compute it once
        (the others wait for that answer instead of all querying at the same time)."""
        value = self.get(key)
        if value is not None:
            return value
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                value = self.get(key)
                if value is None:
                    value = await compute()
                    self.put(key, value)
                return value
        finally:
            if not lock.locked() and self._locks.get(key) is lock:
                del self._locks[key]

    def put(self, key: Hashable, value: Any) -> None:
        if self.ttl <= 0:
            return
        self._entries[key] = (time.monotonic() + self.ttl, _generation, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

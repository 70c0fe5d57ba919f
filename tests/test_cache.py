"""The statistics answer cache (app.kit.cache.ResultCache): concurrent misses share one
computation, an expired answer is served while it is recomputed, a write in this process
makes every cached answer unusable at once."""

import asyncio

import pytest

from app.kit import cache
from app.kit.cache import ResultCache


class Source:
    """A computation that counts its calls and can be held open."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self) -> str:
        self.calls += 1
        await self.gate.wait()
        return f"answer {self.calls}"


@pytest.mark.parametrize("ttl", [0, 60])
async def test_concurrent_misses_compute_once(ttl: float) -> None:
    results = ResultCache(ttl=ttl)
    source = Source()
    source.gate.clear()
    waiting = [asyncio.create_task(results.get_or_compute("k", source)) for _ in range(5)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*waiting) == ["answer 1"] * 5
    assert source.calls == 1
    # With ttl 0 nothing is kept: the next request computes again.
    assert await results.get_or_compute("k", source) == ("answer 2" if ttl == 0 else "answer 1")


async def test_expired_answer_is_served_while_it_is_recomputed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    results = ResultCache(ttl=5)
    source = Source()
    now = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    assert await results.get_or_compute("k", source) == "answer 1"
    now[0] += 6  # expired
    source.gate.clear()
    refreshing = asyncio.create_task(results.get_or_compute("k", source))
    await asyncio.sleep(0)
    # Meanwhile others get the expired answer at once instead of waiting.
    assert await results.get_or_compute("k", source) == "answer 1"
    source.gate.set()
    assert await refreshing == "answer 2"
    assert await results.get_or_compute("k", source) == "answer 2"
    assert source.calls == 2


async def test_a_write_makes_cached_answers_unusable(monkeypatch: pytest.MonkeyPatch) -> None:
    results = ResultCache(ttl=60)
    source = Source()
    assert await results.get_or_compute("k", source) == "answer 1"
    monkeypatch.setattr(cache, "_generation", cache._generation + 1)
    assert results.get("k") is None
    source.gate.clear()
    first = asyncio.create_task(results.get_or_compute("k", source))
    await asyncio.sleep(0)
    # No stale answer after a write: a concurrent request waits for the new one.
    second = asyncio.create_task(results.get_or_compute("k", source))
    await asyncio.sleep(0)
    assert not second.done()
    source.gate.set()
    assert await asyncio.gather(first, second) == ["answer 2", "answer 2"]


async def test_a_failure_reaches_the_waiters_and_is_not_kept() -> None:
    results = ResultCache(ttl=60)
    gate = asyncio.Event()

    async def failing() -> str:
        await gate.wait()
        raise RuntimeError("database down")

    tasks = [asyncio.create_task(results.get_or_compute("k", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes), outcomes
    assert await results.get_or_compute("k", Source()) == "answer 1"

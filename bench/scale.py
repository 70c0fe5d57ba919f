"""`python -m bench --scale`: how cost grows with the data.

    .venv/bin/python -m bench --scale [--sizes 20k,200k,2m] [--duration 5] [--port 8100]

Loads each size of the generated data set (`Sizes.for_label`: 20k, 200k and 2M releases, 0.33
visits per release, the same 500 organizations and 5,000 officials) into its own database —
`communique_bench_20k`, the bench database itself for 200k, `communique_bench_2m` — unless it
is there already, then for each size starts the service (`communique serve --workers 2`) on
that database and runs wrk against four endpoints with paths drawn from that database by
bench/paths.py. The report gives rps, p50 and p99 per endpoint and size, and each p99 as a
multiple of the same endpoint's p99 at 200k; the targets are about the largest size.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.__main__ import (
    ENDPOINTS,
    HERE,
    HOST,
    NOISE,
    OUT,
    README,
    SERVICE_ENV,
    Endpoint,
    Server,
    Servers,
    WrkResult,
    _fmt_ms,
    _fmt_rps,
    conclude,
    git_commit,
    http_get,
    log,
    measured_run,
    pg_value,
    quietest,
    wait_for_quiet,
)
from bench.generate import SEED

SIZES = "20k,200k,2m"
DURATION = 5.0  # seconds per wrk run unless --duration says otherwise
BASELINE = "200k"  # the size the p99 ratios are relative to (the data set `make bench` uses)
LARGEST = "2m"  # the size the targets are about
KEYS = ("release_by_id", "visits", "release_search", "search")
RESULTS = HERE / "results-scale.md"
START_MARK = "<!-- bench:scale:start -->"
END_MARK = "<!-- bench:scale:end -->"


def shown(label: str) -> str:
    """A size as the report writes it: 20k, 200k, 2M."""
    return label.replace("m", "M")


@dataclass(frozen=True)
class Target:
    text: str
    met: Callable[[WrkResult, WrkResult], bool]  # (at the largest size, at the baseline)
    needs_baseline: bool = False


TARGETS = {
    "release_by_id": Target(
        f"p99 at {shown(LARGEST)} ≤ 1.5× p99 at {BASELINE}",
        lambda result, base: result.p99_ms <= 1.5 * base.p99_ms,
        needs_baseline=True,
    ),
    "visits": Target(
        f"p99 at {shown(LARGEST)} ≤ 1.5× p99 at {BASELINE}",
        lambda result, base: result.p99_ms <= 1.5 * base.p99_ms,
        needs_baseline=True,
    ),
    "search": Target(
        f"p99 at {shown(LARGEST)} < 250 ms", lambda result, _base: result.p99_ms < 250
    ),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("how cost grows with the data")
    group.add_argument(
        "--scale",
        action="store_true",
        help="measure four endpoints at several data sizes instead (see bench/README.md)",
    )
    group.add_argument(
        "--sizes",
        help=f"with --scale: comma-separated sizes in releases (default {SIZES}); "
        "a run with other sizes only prints its table",
    )


# One endpoint at one size: wrk's result, or a text ("n/a", "error: …").
Measured = WrkResult | str


def _service(url: str, port: int) -> Server:
    from bench.load import plain_url

    communique = Path(sys.executable).parent / "communique"
    return Server(
        [str(communique), "serve", "--workers", "2", "--host", HOST, "--port", str(port)],
        {
            **os.environ,
            **SERVICE_ENV,
            "DATABASE_URL": "postgresql+asyncpg://" + plain_url(url).removeprefix("postgresql://"),
        },
        port,
    )


def _database_size(url: str) -> int | None:
    value = pg_value(url, "SELECT pg_database_size(current_database())")
    return int(value) if value is not None else None


def _one_run(
    endpoint: Endpoint, name: str, paths: Path, url: str, servers: Servers, args: argparse.Namespace
) -> tuple[float, WrkResult, str]:
    """Warm up, then one measured wrk run: (others' CPU share, the result, a CPU note)."""
    log(f"{endpoint.key}: {name}, {args.warmup:g}s warm-up then {args.duration:g}s")
    run = measured_run(args.port, paths, args, servers, name, url)
    cost = run.per_request
    note = (
        f"{endpoint.key}, {name}: CPU per request {cost.get('server', 0):.2f} ms in "
        f"the service's Python workers, {cost.get('postgres', 0):.2f} ms in PostgreSQL"
        f"{run.connections}."
    )
    return run.other, run.result, note


def _measure(
    endpoint: Endpoint,
    name: str,
    paths: Path,
    url: str,
    servers: Servers,
    args: argparse.Namespace,
    notes: list[str],
) -> Measured:
    """Warm-up and wrk against the service `name` (the quietest of `args.attempts` runs when
    other processes are busy; once more if the service died meanwhile)."""
    first = paths.read_text().split()[0]
    for attempt in (1, 2):
        servers.ensure_running(name)
        status, body = http_get(args.port, first)
        if status == 404 and endpoint.optional:
            log(f"{endpoint.key}: 404 from the service (not built yet): n/a")
            return "n/a"
        if status != 200:
            log(f"{endpoint.key}: {first} answered {status}: {body[:300]!r}")
        best = quietest(lambda: _one_run(endpoint, name, paths, url, servers, args), args.attempts)
        if not servers.alive(name):
            log(f"{endpoint.key}: {name} exited during the run (attempt {attempt})")
            continue
        other, result, note = best
        notes.append(note)
        if other > NOISE:
            notes.append(
                f"**{endpoint.key}, {name}: noisy run**: other processes on the machine used "
                f"{100 * other:.0f}% of its CPU meanwhile (quietest of {args.attempts} attempts)."
            )
        return result
    raise RuntimeError(f"{name} kept exiting during the run")


def code_fingerprint() -> str:
    """A digest of the code a service started now would run (app/ and migrations/): sizes
    measured with different code are not comparable."""
    digest = hashlib.sha256()
    for folder in ("app", "migrations"):
        for file in sorted((HERE.parent / folder).rglob("*.py")):
            digest.update(str(file.relative_to(HERE.parent)).encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def _measure_size(
    label: str,
    url: str,
    endpoints: list[Endpoint],
    args: argparse.Namespace,
    notes: list[str],
    code: dict[str, str],
) -> dict[str, Measured]:
    """Paths from this size's database, the service on it, wrk per endpoint; `code[label]`
    gets the fingerprint of the code the service ran."""
    from bench import paths

    files = paths.write_paths(url, OUT / f"scale-{label}")
    name = f"service-{label}"
    servers = Servers(OUT / "scale")
    out: dict[str, Measured] = {}
    busy = wait_for_quiet(args.wait_quiet)
    if busy > 0.25:
        notes.append(
            f"**{shown(label)}: noisy start**: the machine was {100 * busy:.0f}% busy with "
            "other work when this size's measurements started."
        )
    try:
        code[label] = code_fingerprint()
        servers.start(name, _service(url, args.port))
        servers.wait_ready(name)
        for endpoint in endpoints:
            try:
                out[endpoint.key] = _measure(
                    endpoint, name, files[endpoint.key], url, servers, args, notes
                )
            except (RuntimeError, ValueError, OSError, subprocess.SubprocessError) as error:
                log(f"{endpoint.key} at {label}: failed: {error}")
                out[endpoint.key] = f"error: {str(error).splitlines()[0][:120]}"
    finally:
        servers.stop_all()
    if servers.restarts:
        notes.append(f"{shown(label)}: the service was stopped from outside and restarted.")
    return out


def _row(
    endpoint: Endpoint, label: str, result: Measured, base: Measured | None, duration: float
) -> tuple[str, bool | None]:
    """A table row and whether the target was met (None: no target on this row, or not
    measured)."""
    target = TARGETS.get(endpoint.key) if label == LARGEST else None
    target_text = target.text if target else "—"
    if isinstance(result, str):  # "n/a" or an error
        verdict = "—" if target is None else ("n/a" if result == "n/a" else "error")
        cells = [endpoint.label, shown(label), result, "—", "—", "—", target_text, verdict]
        return "| " + " | ".join(cells) + " |", None
    base_result = base if isinstance(base, WrkResult) and base.requests else None
    answered = result.requests > 0
    ratio = (
        result.p99_ms / base_result.p99_ms
        if answered and base_result and base_result.p99_ms
        else None
    )
    verdict, met = "—", None
    if target is not None:
        if not answered:
            met = False
        elif target.needs_baseline and base_result is None:
            verdict = f"— (no {BASELINE} figure)"
        else:
            met = target.met(result, base_result or result) and result.clean
        if met is not None:
            verdict = "**yes**" if met else "**no**"
    problems = []
    if not answered:
        problems.append(f"no answer within the {duration:g} s run")
    if not result.clean:
        problems.append(
            f"{result.non_2xx} non-2xx, {result.socket_errors} socket errors "
            f"({result.timeouts} timeouts)"
        )
    if problems:
        verdict += " (" + "; ".join(problems) + ")"
    cells = [
        endpoint.label,
        shown(label),
        _fmt_rps(result.rps),
        _fmt_ms(result.p50_ms) if answered else "—",
        _fmt_ms(result.p99_ms) if answered else "—",
        "—" if ratio is None else f"{ratio:.2f}",
        target_text,
        verdict,
    ]
    return "| " + " | ".join(cells) + " |", met


def report(
    results: dict[str, dict[str, Measured]],
    endpoints: list[Endpoint],
    data: list[str],
    notes: list[str],
    args: argparse.Namespace,
    started: datetime,
) -> tuple[str, list[bool | None]]:
    header = "| endpoint | releases | rps | p50 | p99 | p99 / p99 at 200k | target | met? |"
    lines = [
        f"Run of {started:%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores), commit {git_commit()}.",
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency (after a "
        f"{args.warmup:g}s warm-up) per endpoint and size, service `communique serve --workers "
        "2` on each size's database, PostgreSQL on the same machine; data (seed "
        f"{SEED}):",
        "",
        *[f"- {line}" for line in data],
        "",
        header,
        "|" + "---|" * 8,
    ]
    verdicts: list[bool | None] = []
    for endpoint in endpoints:
        for label, by_key in results.items():
            if endpoint.key not in by_key:
                continue
            base = results.get(BASELINE, {}).get(endpoint.key)
            row, met = _row(endpoint, label, by_key[endpoint.key], base, args.duration)
            lines.append(row)
            if TARGETS.get(endpoint.key) and label == LARGEST:
                verdicts.append(met)
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n", verdicts


def write_outputs(table: str, readme: Path = README, results: Path = RESULTS) -> None:
    results.write_text(
        "# How cost grows with the data\n\nWritten by `python -m bench --scale` "
        "(see README.md).\n\n" + table
    )
    if readme.exists():
        text = readme.read_text()
        if START_MARK in text and END_MARK in text:
            head, rest = text.split(START_MARK, 1)
            _, tail = rest.split(END_MARK, 1)
            readme.write_text(f"{head}{START_MARK}\n{table}{END_MARK}{tail}")


def run(args: argparse.Namespace) -> int:
    """The --scale mode of `python -m bench` (args: its parsed arguments)."""
    from bench import generate as gen
    from bench import load

    if getattr(args, "db", "postgresql") != "postgresql":
        print("--scale measures the service on PostgreSQL only", file=sys.stderr)
        return 1
    started = datetime.now(UTC)
    try:
        sizes = {s.label: s for s in map(gen.Sizes.for_label, (args.sizes or SIZES).split(","))}
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    endpoints = [e for e in ENDPOINTS if e.key in KEYS]
    if args.only:
        wanted = set(args.only.split(","))
        endpoints = [e for e in endpoints if e.key in wanted]
    base_url = load.database_url(args.database_url)

    urls: dict[str, str] = {}
    data: list[str] = []
    for label, size in sorted(sizes.items(), key=lambda item: item[1].releases):
        urls[label] = load.size_url(base_url, size)
        began = time.perf_counter()
        seconds = load.ensure_loaded(urls[label], reload=args.reload, sizes=size)
        database = load._split(urls[label])[1]
        on_disk = _database_size(urls[label])
        data.append(
            f"{shown(label)}: {size.releases:,} releases, {size.visits:,} visits, "
            f"{size.organizations} organizations, {size.officials:,} officials in "
            f"`{database}`"
            + (f" ({on_disk / 2**30:.1f} GiB)" if on_disk else "")
            + (f"; loaded in {seconds:.0f} s this run" if seconds is not None else "")
        )
        log(f"{label}: {database} ready ({time.perf_counter() - began:.0f}s)")

    notes: list[str] = []
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > 0:
        notes.append(
            f"Run under `nice` ({niceness}): the service and wrk had that niceness too, "
            "PostgreSQL did not."
        )
    results: dict[str, dict[str, Measured]] = {}
    code: dict[str, str] = {}
    for label, url in urls.items():
        log(f"--- {label} ---")
        results[label] = _measure_size(label, url, endpoints, args, notes, code)
    if len(set(code.values())) > 1:
        notes.insert(
            0,
            "**app/ or migrations/ changed during this run**: the sizes ran different code ("
            + ", ".join(f"{shown(label)}: {digest}" for label, digest in code.items())
            + "), so their rows are not comparable.",
        )
        log("app/ or migrations/ changed during the run: " + str(code))

    table, verdicts = report(results, endpoints, data, notes, args, started)
    print()
    print(table)
    if args.no_write or args.only or set(sizes) != set(SIZES.split(",")):
        log("table not written (--no-write, --only, or not the default sizes)")
    else:
        write_outputs(table)
        log(f"wrote {RESULTS.relative_to(HERE.parent)} and the README's scale section")
    return conclude(verdicts, strict=args.strict)

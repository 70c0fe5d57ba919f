"""`make bench`: load the data if needed, start the service and the floor, run wrk, report.

    .venv/bin/python -m bench [--db sqlite] [--reload] [--only KEY,...] [--duration 10] [--strict]

Starts `communique serve --workers 2 --port 8100` and `uvicorn bench.floor:app --workers 2
--port 8101` on 127.0.0.1 against the bench database, runs `wrk -t2 -c32 -d10s --latency`
per endpoint with a Lua script that walks a file of pre-generated paths, prints a markdown
table and writes it to bench/results.md (and into bench/README.md). Every server it started
is stopped on the way out, whatever happens.

With `--db sqlite` the service runs on a SQLite copy of the same data (bench/sqlite.py) and
its peer is Datasette serving that file (`datasette serve -i FILE --port 8101`, one process)
for the requests it can answer; results go to bench/results-sqlite.md.

With `--scale` it measures how cost grows with the data instead: four endpoints at 20k, 200k
and 2M releases, each size in its own database (bench/scale.py; bench/results-scale.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
HOST = "127.0.0.1"
SERVICE_PORT = 8100
FLOOR_PORT = 8101
LUA = HERE / "paths.lua"
RESULTS = HERE / "results.md"
README = HERE / "README.md"
START_MARK = "<!-- bench:results:start -->"
END_MARK = "<!-- bench:results:end -->"
SQLITE_RESULTS = HERE / "results-sqlite.md"
SQLITE_MARKS = ("<!-- bench:sqlite:start -->", "<!-- bench:sqlite:end -->")
# What the service is started with on top of the caller's environment: no rate limits (wrk
# sends tens of thousands of requests a second from one address), which would measure 429s.
SERVICE_ENV = {"RATE_LIMIT_ENABLED": "false"}


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    floor: bool  # the peer (the floor; Datasette on SQLite) answers it too
    optional: bool  # a 404 means "not built yet": reported n/a
    min_rps_ratio: float | None = None
    max_p99_ratio: float | None = None
    max_p99_ms: float | None = None
    # Which service instance answers ("service_nocache": started with STATS_CACHE_SECONDS=0)
    # and whose request file it replays (default: its own key's).
    server: str = "service"
    paths: str | None = None

    @property
    def paths_key(self) -> str:
        return self.paths or self.key

    @property
    def has_target(self) -> bool:
        return any(
            limit is not None for limit in (self.min_rps_ratio, self.max_p99_ratio, self.max_p99_ms)
        )

    def target(self, peer: str = "floor") -> str:
        parts = []
        if self.min_rps_ratio is not None:
            parts.append(f"rps ≥ {self.min_rps_ratio:g}× {peer}")
        if self.max_p99_ratio is not None:
            parts.append(f"p99 ≤ {self.max_p99_ratio:g}× {peer}")
        if self.max_p99_ms is not None:
            parts.append(f"p99 < {self.max_p99_ms:g} ms")
        return ", ".join(parts) or "—"


ENDPOINTS = [
    Endpoint("release_by_id", "`GET /api/v1/press-releases/{id}`", True, False, 0.6, 2.0),
    Endpoint(
        "visits",
        "`GET /api/v1/visits?host_organization_id=…&from=…&to=…&limit=20`",
        True,
        False,
        0.6,
        2.0,
    ),
    Endpoint("release_search", "`GET /api/v1/press-releases?q=…`", True, False, 0.8),
    Endpoint("search", "`GET /api/v1/search?q=…`", True, True, 0.5, max_p99_ms=100),
    Endpoint(
        "stats",
        "`GET /api/v1/stats/visits?group_by=month` (cache on)",
        True,
        True,
        max_p99_ms=20,
    ),
    Endpoint(
        "stats_nocache",
        "`GET /api/v1/stats/visits?group_by=month` (cache off)",
        True,
        True,
        max_p99_ms=50,
        server="service_nocache",
        paths="stats",
    ),
]
# The service started a second time with its statistics cache off, so that the misses'
# cost is measured (the floor computes every answer).
NOCACHE_PORT_OFFSET = 2


def with_nocache_service(servers: dict[str, Server]) -> dict[str, Server]:
    """`servers` plus "service_nocache": the service with STATS_CACHE_SECONDS=0."""
    service = servers["service"]
    port = service.port + NOCACHE_PORT_OFFSET
    command = list(service.command)
    command[command.index("--port") + 1] = str(port)
    env = {**service.env, "STATS_CACHE_SECONDS": "0"}
    return {**servers, "service_nocache": Server(command, env, port, service.ready)}


def _on_sqlite(endpoint: Endpoint) -> Endpoint:
    """The endpoint's target with Datasette as the peer: it answers by id and the filtered
    list (the service must serve at least twice its rps); release search has no peer there."""
    from bench.sqlite import DATASETTE_ENDPOINTS

    if endpoint.key in DATASETTE_ENDPOINTS:
        return replace(endpoint, floor=True, min_rps_ratio=2.0, max_p99_ratio=None)
    if endpoint.floor:
        return replace(endpoint, floor=False, min_rps_ratio=None, max_p99_ratio=None)
    return endpoint


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    timeouts: int

    @property
    def clean(self) -> bool:
        return self.non_2xx == 0 and self.socket_errors == 0


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- wrk -------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise ValueError("could not read wrk's output:\n" + output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = sum(int(g) for g in errors.groups()) if errors else 0
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
        timeouts=int(errors.group(4)) if errors else 0,
    )


def run_wrk(port: int, paths: Path, args: argparse.Namespace, duration: float) -> WrkResult:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration:g}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://{HOST}:{port}",
        "--",
        str(paths),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


# --- servers ---------------------------------------------------------------------------------


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((HOST, port)) == 0


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass(frozen=True)
class Server:
    """How to run one server: its command, environment, port, and a path that answers 200
    once it serves."""

    command: list[str]
    env: dict[str, str]
    port: int
    ready: str = "/ready"


class Servers:
    """The processes this run started; `stop_all` ends each one's own process group. Their
    output goes to `log_dir`/NAME.log."""

    def __init__(self, log_dir: Path = OUT) -> None:
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.specs: dict[str, Server] = {}
        self.restarts = 0
        self.log_dir = log_dir

    def start(self, name: str, server: Server) -> None:
        if port_in_use(server.port):
            raise RuntimeError(
                f"port {server.port} on {HOST} is already in use; stop what runs there"
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.specs[name] = server
        log_file = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.procs[name] = subprocess.Popen(
            server.command,
            cwd=ROOT,
            env=server.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: workers are stopped with it
        )
        log(f"started {name} (pid {self.procs[name].pid}): {' '.join(server.command)}")

    def wait_ready(self, name: str, timeout: float = 90) -> None:
        proc, server = self.procs[name], self.specs[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail}")
            try:
                status, _ = http_get(server.port, server.ready, timeout=2)
                if status == 200:
                    log(f"{name} is ready on {HOST}:{server.port}")
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{name} was not ready on {HOST}:{server.port} within {timeout:g}s")

    def groups(self) -> set[int]:
        return {proc.pid for proc in self.procs.values()}

    def alive(self, name: str) -> bool:
        return self.procs[name].poll() is None

    def ensure_running(self, name: str) -> None:
        """Start `name` again if something stopped it (bounded: 3 restarts per run)."""
        if self.alive(name):
            return
        code = self.procs[name].returncode
        if self.restarts >= 3:
            raise RuntimeError(f"{name} exited ({code}) and was restarted too often already")
        self.restarts += 1
        log(f"{name} exited ({code}) outside this run's control; starting it again")
        self.start(name, self.specs[name])
        self.wait_ready(name)

    def stop(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log(f"stopped {name}")

    def stop_all(self) -> None:
        for name in self.procs:
            self.stop(name)
        self.procs.clear()


# --- a quiet machine -------------------------------------------------------------------------


def cpu_busy(seconds: float = 2.0) -> float:
    """Share of all CPU time spent busy over the next `seconds` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    total_a, idle_a = sample()
    time.sleep(seconds)
    total_b, idle_b = sample()
    total = total_b - total_a
    return 1.0 - (idle_b - idle_a) / total if total else 0.0


def wait_for_quiet(max_wait: float, threshold: float = 0.25) -> float:
    """Wait (bounded) until the machine is mostly idle, since the service, the floor,
    PostgreSQL and wrk share its two cores. Returns the last busy share seen."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while busy > threshold and time.monotonic() < deadline:
        log(f"the machine is {100 * busy:.0f}% busy with other work; waiting for it to settle")
        time.sleep(3)
        busy = cpu_busy()
    return busy


def cpu_snapshot(
    server_group: int, own_groups: set[int], database: bool = True
) -> dict[int, tuple[str, int]]:
    """CPU ticks used so far by every process, with its part in the measurement: "server"
    (the process group under load), "postgres" (when `database`: the server's database runs
    there), "bench" (us, wrk, the idle other server) or "other" (anything else running on
    the machine, PostgreSQL too when the servers do not use it)."""
    me = os.getpid()
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.find("(") + 1 : text.rfind(")")]
        fields = text[text.rfind(")") + 2 :].split()
        pid, ppid, group = int(stat.parent.name), int(fields[1]), int(fields[2])
        if group == server_group:
            part = "server"
        elif database and comm.startswith("postgres"):
            part = "postgres"
        elif pid == me or ppid == me or group in own_groups:
            part = "bench"
        else:
            part = "other"
        out[pid] = (part, int(fields[11]) + int(fields[12]))
    return out


def cpu_seconds(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]]) -> Counter:
    """CPU seconds used between two snapshots, by part."""
    used: Counter[str] = Counter()
    for pid, (part, ticks) in after.items():
        delta = ticks - before.get(pid, (part, 0))[1]
        if delta > 0:
            used[part] += delta / os.sysconf("SC_CLK_TCK")
    return used


# --- database connections ------------------------------------------------------------------


def pg_value(url: str, sql: str) -> Any:
    """One value read from the bench database (None when it cannot be read)."""
    import asyncio

    import asyncpg

    from bench.load import plain_url

    async def read() -> Any:
        conn = await asyncpg.connect(plain_url(url), timeout=10)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    try:
        return asyncio.run(read())
    except (OSError, asyncpg.PostgresError):
        return None


def db_sessions(url: str) -> int | None:
    """Connections ever opened to the bench database (pg_stat_database.sessions): the
    difference over a run is how many connections the server opened during it."""
    value = pg_value(
        url, "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    )
    return int(value) if value is not None else None


# --- modes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    """What `--db` decides: the servers, the peer the service is measured against, the
    targets, and where the results go."""

    db: str  # "postgresql" or "sqlite"
    peer: str  # the peer's name in the report: "floor" or "Datasette"
    endpoints: list[Endpoint]
    servers: dict[str, Server]  # "service" and the peer (under `peer_key`)
    setup: str  # what ran, for the report
    results: Path
    marks: tuple[str, str]  # where the table goes in README.md
    log_dir: Path
    server_cpu: str  # where a server's own CPU time goes, for the notes
    # Set when the servers use PostgreSQL: its CPU and new connections are reported.
    pg_url: str | None = None
    # The peer's request files, by endpoint key, where they differ from the service's.
    peer_paths: dict[str, Path] = field(default_factory=dict)

    @property
    def peer_key(self) -> str:
        return self.peer.lower()

    def port(self, who: str) -> int:
        return self.servers[who].port


def _server_commands(bin_dir: Path, service_port: int, floor_port: int) -> dict[str, list[str]]:
    common = ["--workers", "2", "--host", HOST]
    return {
        "service": [str(bin_dir / "communique"), "serve", *common, "--port", str(service_port)],
        "floor": [
            str(bin_dir / "uvicorn"), "bench.floor:app", *common, "--port", str(floor_port),
            "--no-access-log", "--log-level", "warning",
        ],
    }  # fmt: skip


def postgresql_mode(args: argparse.Namespace) -> tuple[Mode, dict[str, Path], list[str]]:
    """Load the data if needed, write the paths: the mode, the path files by endpoint key,
    and the notes so far. (The floor writes its own SQL; compare_bodies checks its answers.)"""
    from bench import load, paths

    load.ensure_loaded(args.url, reload=args.reload)
    files = paths.write_paths(args.url, OUT)

    notes: list[str] = []

    plain = load.plain_url(args.url)
    envs = {
        "service": {
            **os.environ,
            **SERVICE_ENV,
            "DATABASE_URL": "postgresql+asyncpg://" + plain.removeprefix("postgresql://"),
        },
        "floor": {**os.environ, "BENCH_DATABASE_URL": plain},
    }
    ports = {"service": args.port, "floor": args.peer_port}
    commands = _server_commands(Path(sys.executable).parent, args.port, args.peer_port)
    mode = Mode(
        db="postgresql",
        peer="floor",
        endpoints=ENDPOINTS,
        servers=with_nocache_service(
            {name: Server(command, envs[name], ports[name]) for name, command in commands.items()}
        ),
        setup=(
            "service `communique serve --workers 2`, floor `uvicorn bench.floor:app "
            "--workers 2`, PostgreSQL on the same machine"
        ),
        results=RESULTS,
        marks=(START_MARK, END_MARK),
        log_dir=OUT,
        server_cpu="the server's Python workers",
        pg_url=args.url,
    )
    return mode, files, notes


# Datasette as it ships, made lean for an API: no facets or facet suggestions (and the
# requests add _nocount=1&_nofacet=1); one process, its default 3 SQL threads.
DATASETTE_SETTINGS = ("--setting", "suggest_facets", "off", "--setting", "allow_facet", "off")


def sqlite_mode(args: argparse.Namespace) -> tuple[Mode, dict[str, Path], list[str]]:
    """Build the SQLite copy if needed (the PostgreSQL database is only read), write the
    paths and Datasette's: the mode, the path files by endpoint key, and the notes so far."""
    from importlib.metadata import PackageNotFoundError, version

    from bench import paths, sqlite

    bin_dir = Path(sys.executable).parent
    try:
        datasette_version = version("datasette")
    except PackageNotFoundError:
        raise SystemExit(
            "--db sqlite needs Datasette: .venv/bin/pip install -e '.[bench]'"
        ) from None
    sqlite.ensure_source(args.url)
    file = sqlite.ensure_built(args.url, sqlite.DEFAULT_FILE, rebuild=args.reload)
    files = paths.write_paths(args.url, OUT)
    # Datasette names a database after its file.
    peer_paths = sqlite.datasette_paths(files, OUT, file.stem)

    notes: list[str] = []
    fts = sqlite.datasette_fts(file)
    unseen = [table for table, found in fts.items() if found is None]
    if unseen:
        notes.append(
            f"Datasette finds no full-text table for {', '.join(unseen)}: the migrations "
            "create the FTS5 tables with `content='…'` in single quotes, Datasette looks for "
            '`content="…"` (no search box for them there; the requests measured do not search).'
        )
    else:
        notes.append(
            "Datasette finds the FTS5 tables ("
            + ", ".join(f"{table}: {found}" for table, found in fts.items())
            + ")."
        )

    relative = file.relative_to(ROOT) if file.is_relative_to(ROOT) else file
    servers = {
        "service": Server(
            [str(bin_dir / "communique"), "serve", "--workers", "2", "--host", HOST,
             "--port", str(args.port)],
            {**os.environ, **SERVICE_ENV, "DATABASE_URL": sqlite.sqlite_url(file)},
            args.port,
        ),
        "datasette": Server(
            [str(bin_dir / "datasette"), "serve", "--immutable", str(file), "--host", HOST,
             "--port", str(args.peer_port), *DATASETTE_SETTINGS],
            dict(os.environ),
            args.peer_port,
            ready="/-/versions.json",
        ),
    }  # fmt: skip
    mode = Mode(
        db="sqlite",
        peer="Datasette",
        endpoints=[_on_sqlite(endpoint) for endpoint in ENDPOINTS],
        servers=with_nocache_service(servers),
        setup=(
            f"service `communique serve --workers 2` on SQLite (`{relative}`, WAL), Datasette "
            f"{datasette_version} `datasette serve --immutable {relative}` (one process, "
            "facets and suggestions off, `_nocount=1&_nofacet=1`)"
        ),
        results=SQLITE_RESULTS,
        marks=SQLITE_MARKS,
        log_dir=OUT / "sqlite",
        server_cpu="the server's processes (Python and SQLite)",
        peer_paths=peer_paths,
    )
    return mode, files, notes


# --- checks ----------------------------------------------------------------------------------


def _fetch(port: int, path: str) -> tuple[int, bytes, str | None]:
    """Status, body and ETag header of one GET."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=60) as r:
            return r.status, r.read(), r.headers.get("etag")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("etag")


def compare_bodies(files: dict[str, Path], mode: Mode, n: int = 20) -> list[str]:
    """The floor must answer what the service answers, byte for byte and with the same ETag
    (a floor that does less is no floor): `n` paths per endpoint. Statistics are compared
    with the service started with its cache off, so that every answer is computed afresh."""
    notes = []
    compared: set[str] = set()
    for endpoint in mode.endpoints:
        key = endpoint.paths_key
        if not endpoint.floor or key in compared:
            continue
        compared.add(key)
        fresh = key == "stats" and "service_nocache" in mode.servers
        server = "service_nocache" if fresh else endpoint.server
        paths = files[key].read_text().split()[:n]
        identical = 0
        for path in paths:
            s_status, s_body, s_etag = _fetch(mode.port(server), path)
            f_status, f_body, f_etag = _fetch(mode.port("floor"), path)
            if s_status != f_status:
                notes.append(
                    f"{key}: {path} is {s_status} on the service and {f_status} on the floor"
                )
            elif s_body != f_body:
                same_json = json.loads(s_body) == json.loads(f_body)
                notes.append(
                    f"{key}: {path}: the floor's body differs ({len(s_body)} vs {len(f_body)} "
                    f"bytes{', equal as JSON' if same_json else ''})"
                )
            elif s_etag != f_etag:
                notes.append(f"{key}: {path}: ETag {s_etag} on the service, {f_etag} on the floor")
            else:
                identical += 1
        log(f"{key}: {identical}/{len(paths)} floor answers identical (status, body, ETag)")
    return notes


def _row_ids(body: bytes) -> list[int]:
    """The ids of the rows in a service answer (one resource or a page of items) or in a
    Datasette table or row answer."""
    data = json.loads(body)
    if "rows" in data and "columns" in data:  # Datasette
        at = data["columns"].index("id")
        return [row[at] for row in data["rows"]]
    if "items" in data:
        return [item["id"] for item in data["items"]]
    return [data["id"]]


def compare_rows(files: dict[str, Path], mode: Mode, n: int = 5) -> list[str]:
    """Datasette does not answer the service's JSON, but it must be asked for the same rows:
    the same release, the same page of visits (as sets: Datasette breaks start_date ties by
    ascending id, the service by descending id)."""
    notes = []
    for endpoint in mode.endpoints:
        if not endpoint.floor:
            continue
        ours = files[endpoint.key].read_text().split()[:n]
        theirs = mode.peer_paths[endpoint.key].read_text().split()[:n]
        same = 0
        for path, peer_path in zip(ours, theirs, strict=True):
            s_status, s_body = http_get(mode.port("service"), path)
            p_status, p_body = http_get(mode.port(mode.peer_key), peer_path)
            if s_status != 200 or p_status != 200:
                notes.append(
                    f"{endpoint.key}: {path} is {s_status} on the service, {peer_path} is "
                    f"{p_status} on {mode.peer}"
                )
                continue
            s_ids, p_ids = _row_ids(s_body), _row_ids(p_body)
            if sorted(s_ids) == sorted(p_ids):
                same += 1
            else:
                notes.append(
                    f"{endpoint.key}: {path}: the service answers rows {s_ids}, "
                    f"{mode.peer} {p_ids} ({peer_path})"
                )
        log(f"{endpoint.key}: {same}/{len(ours)} {mode.peer} answers hold the same rows")
    return notes


# --- report ----------------------------------------------------------------------------------


def _fmt_rps(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else (f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms")


def _row(
    endpoint: Endpoint, service: WrkResult | str, floor: WrkResult | None, peer: str = "floor"
) -> tuple[str, bool | None]:
    """A table row and whether the target was met (None: not measured, or no target)."""
    if isinstance(service, str):  # "n/a" or an error text
        cells = [
            endpoint.label,
            service,
            "—",
            "—",
            "—",
            "—",
            "—",
            "—",
            endpoint.target(peer),
            "n/a" if service == "n/a" else "error",
        ]
        return "| " + " | ".join(cells) + " |", None
    rps_ratio = service.rps / floor.rps if floor and floor.rps else None
    p99_ratio = service.p99_ms / floor.p99_ms if floor and floor.p99_ms else None
    met = True
    if endpoint.min_rps_ratio is not None:
        met &= rps_ratio is not None and rps_ratio >= endpoint.min_rps_ratio
    if endpoint.max_p99_ratio is not None:
        met &= p99_ratio is not None and p99_ratio <= endpoint.max_p99_ratio
    if endpoint.max_p99_ms is not None:
        met &= service.p99_ms < endpoint.max_p99_ms
    problems = []
    for who, result in (("service", service), (peer, floor)):
        if result is not None and result.requests == 0:  # wrk then reports 0 ms latencies
            problems.append(f"{who}: no request completed")
        elif result is not None and not result.clean:
            problems.append(
                f"{who}: {result.non_2xx} non-2xx, {result.socket_errors} "
                f"socket errors ({result.timeouts} timeouts)"
            )
    verdict = "**yes**" if met else "**no**"
    if problems:
        verdict = ("error" if met else "**no**") + " (" + "; ".join(problems) + ")"
    elif not endpoint.has_target:
        verdict = "—"
    cells = [
        endpoint.label,
        _fmt_rps(service.rps),
        _fmt_ms(service.p50_ms),
        _fmt_ms(service.p99_ms),
        _fmt_rps(floor.rps if floor else None),
        _fmt_ms(floor.p99_ms if floor else None),
        "—" if rps_ratio is None else f"{rps_ratio:.2f}",
        "—" if p99_ratio is None else f"{p99_ratio:.2f}",
        endpoint.target(peer),
        verdict,
    ]
    return "| " + " | ".join(cells) + " |", (
        (met and not problems) if endpoint.has_target else None
    )


def git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "app", "migrations"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return done.stdout.strip() + (" (app/ or migrations/ modified)" if dirty.stdout else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def report(
    rows: list[str], notes: list[str], args: argparse.Namespace, started: datetime, mode: Mode
) -> str:
    from bench import generate as gen

    header = (
        f"| endpoint | service rps | p50 | p99 | {mode.peer} rps | {mode.peer} p99 | "
        "rps ratio | p99 ratio | target | met? |"
    )
    rule = "|" + "---|" * 10
    lines = [
        f"Run of {started:%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores), commit {git_commit()}.",
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency (after a "
        f"{args.warmup:g}s warm-up), {mode.setup}; data: "
        f"{gen.N_RELEASES:,} releases, {gen.N_VISITS:,} visits, "
        f"{gen.N_ORGANIZATIONS} organizations, {gen.N_OFFICIALS:,} officials (seed {gen.SEED}).",
        "",
        header,
        rule,
        *rows,
    ]
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


def write_outputs(table: str, mode: Mode) -> None:
    if mode.db == "postgresql":
        title, by = "# Latest benchmark results", "`make bench`"
    else:
        title, by = "# Latest benchmark results (SQLite)", "`python -m bench --db sqlite`"
    mode.results.write_text(f"{title}\n\nWritten by {by} (see README.md).\n\n{table}")
    start, end = mode.marks
    if README.exists():
        text = README.read_text()
        if start in text and end in text:
            head, rest = text.split(start, 1)
            _, tail = rest.split(end, 1)
            README.write_text(f"{head}{start}\n{table}{end}{tail}")


def measure(
    endpoint: Endpoint,
    paths: Path,
    servers: Servers,
    args: argparse.Namespace,
    notes: list[str],
    mode: Mode,
) -> tuple[str, bool | None]:
    """wrk against the service (and its peer, where it answers this endpoint): a table row.
    A run during which a server died (something outside stopped it) is measured again once."""
    died: list[str] = []
    for attempt in (1, 2):
        servers.ensure_running(endpoint.server)
        if endpoint.floor:
            servers.ensure_running(mode.peer_key)
        result = _measure_once(endpoint, paths, args, notes, servers, mode)
        died = [name for name in (endpoint.server, mode.peer_key) if not servers.alive(name)]
        if not died:
            return result
        log(f"{endpoint.key}: {', '.join(died)} exited during the run (attempt {attempt})")
    raise RuntimeError(f"{' and '.join(died)} kept exiting during the run")


NOISE = 0.10  # share of the machine's CPU other processes may use during a clean run


@dataclass(frozen=True)
class RunCost:
    """One measured wrk run and what it cost."""

    other: float  # share of the machine's CPU other processes took meanwhile
    result: WrkResult
    per_request: dict[str, float]  # milliseconds of CPU per request, by part
    connections: str  # "; new database connections during the run: N", or ""


def measured_run(
    port: int, paths: Path, args: argparse.Namespace, servers: Servers, who: str, pg_url: str | None
) -> RunCost:
    """Warm up, then one wrk run against the server `who`, with the CPU each part used
    (PostgreSQL's only when `pg_url`) and the database connections it opened."""
    run_wrk(port, paths, args, args.warmup)
    before = db_sessions(pg_url) if pg_url else None
    group, on_pg = servers.procs[who].pid, pg_url is not None
    cpu_before, started = cpu_snapshot(group, servers.groups(), on_pg), time.monotonic()
    result = run_wrk(port, paths, args, args.duration)
    used = cpu_seconds(cpu_before, cpu_snapshot(group, servers.groups(), on_pg))
    elapsed = time.monotonic() - started
    after = db_sessions(pg_url) if pg_url else None
    log(f"  {result}")
    connections = (
        f"; new database connections during the run: {after - before - 1}"
        if before is not None and after is not None and after - before > 1
        else ""
    )
    return RunCost(
        other=used["other"] / (elapsed * (os.cpu_count() or 1)),
        result=result,
        per_request={part: 1000 * used[part] / max(result.requests, 1) for part in used},
        connections=connections,
    )


def _one_run(
    endpoint: Endpoint,
    who: str,
    paths: Path,
    args: argparse.Namespace,
    servers: Servers,
    mode: Mode,
) -> tuple[float, WrkResult, str]:
    """Warm up, then one measured wrk run: (others' CPU share, the result, a CPU note)."""
    label = "service" if who == endpoint.server else mode.peer
    log(f"{endpoint.key}: {label}, {args.warmup:g}s warm-up then {args.duration:g}s")
    run = measured_run(mode.port(who), paths, args, servers, who, mode.pg_url)
    cost = run.per_request
    parts = [f"{cost.get('server', 0):.2f} ms in {mode.server_cpu}"]
    if mode.pg_url is not None:
        parts.append(f"{cost.get('postgres', 0):.2f} ms in PostgreSQL")
    parts.append(f"{cost.get('bench', 0):.2f} ms in wrk")
    note = f"{endpoint.key}, {label}: CPU per request {', '.join(parts)}{run.connections}."
    return run.other, run.result, note


def quietest(
    run: Callable[[], tuple[float, WrkResult, str]], attempts: int
) -> tuple[float, WrkResult, str]:
    """The machine is shared: a run during which other processes took more than NOISE of
    the CPU is repeated (`attempts` runs at most) and the quietest is kept. `run` answers
    (others' CPU share, the result, a note)."""
    best: tuple[float, WrkResult, str] | None = None
    for attempt in range(1, attempts + 1):
        other, result, note = run()
        if best is None or other < best[0]:
            best = (other, result, note)
        if other <= NOISE:
            break
        log(f"  other processes used {100 * other:.0f}% of the CPU (attempt {attempt})")
    assert best is not None
    return best


def _measure_once(
    endpoint: Endpoint,
    paths: Path,
    args: argparse.Namespace,
    notes: list[str],
    servers: Servers,
    mode: Mode,
) -> tuple[str, bool | None]:
    first = paths.read_text().split()[0]
    status, body = http_get(mode.port(endpoint.server), first)
    if status == 404 and endpoint.optional:
        log(f"{endpoint.key}: 404 from the service (not built yet): n/a")
        return _row(endpoint, "n/a", None, mode.peer)
    if status != 200:
        log(f"{endpoint.key}: {first} answered {status}: {body[:300]!r}")
    results: dict[str, WrkResult] = {}
    for who in (endpoint.server, mode.peer_key):
        if who != endpoint.server and not endpoint.floor:
            continue
        label = "service" if who == endpoint.server else mode.peer
        who_paths = (
            paths if who == endpoint.server else mode.peer_paths.get(endpoint.paths_key, paths)
        )
        other, results[who], note = quietest(
            lambda: _one_run(endpoint, who, who_paths, args, servers, mode),  # noqa: B023
            args.attempts,
        )
        notes.append(note)
        if other > NOISE:
            notes.append(
                f"**{endpoint.key}: noisy {label} run**: other processes on the machine used "
                f"{100 * other:.0f}% of its CPU meanwhile (quietest of {args.attempts} attempts)."
            )
    return _row(endpoint, results[endpoint.server], results.get(mode.peer_key), mode.peer)


# --- against the last recorded run -----------------------------------------------------------

# A row is called worse when its rps fell below this share of the recorded one, or its p99
# grew past this multiple of the recorded one (runs on a quiet machine vary by ~10%).
WORSE_RPS = 0.8
WORSE_P99 = 1.25


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _number(cell: str) -> float | None:
    match = re.fullmatch(r"([\d,.]+)( ms)?", cell.strip())
    return float(match.group(1).replace(",", "")) if match else None


def regressions(recorded: Path, rows: list[str]) -> list[str]:
    """The rows whose service rps or p99 is clearly worse than in the recorded results."""
    if not recorded.exists():
        return []
    before: dict[str, tuple[float | None, float | None]] = {}
    for line in recorded.read_text().splitlines():
        if line.startswith("| `"):
            cells = _cells(line)
            before[cells[0]] = (_number(cells[1]), _number(cells[3]))
    out = []
    for row in rows:
        cells = _cells(row)
        if cells[0] not in before:
            continue
        old_rps, old_p99 = before[cells[0]]
        rps, p99 = _number(cells[1]), _number(cells[3])
        if rps is None and old_rps is not None:
            out.append(f"{cells[0]}: {cells[1]} (was {old_rps:,.0f} rps)")
        elif rps is not None and old_rps and rps < WORSE_RPS * old_rps:
            out.append(f"{cells[0]}: {rps:,.0f} rps, was {old_rps:,.0f}")
        if p99 is not None and old_p99 and p99 > WORSE_P99 * old_p99:
            out.append(f"{cells[0]}: p99 {p99:,.1f} ms, was {old_p99:,.1f} ms")
    return out


# --- main ------------------------------------------------------------------------------------


def _on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="the service's database (sqlite: a copy of the bench data, Datasette as the peer)",
    )
    parser.add_argument(
        "--reload",
        action="store_true",
        help="reload the data first (--db sqlite: build the SQLite copy again)",
    )
    parser.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or the bench db")
    parser.add_argument("--port", type=int, default=SERVICE_PORT, help="the service's port")
    parser.add_argument(
        "--peer-port",
        type=int,
        default=FLOOR_PORT,
        help=f"the floor's (or Datasette's) port (default {FLOOR_PORT})",
    )
    parser.add_argument(
        "--only", help="comma-separated endpoint keys: " + ",".join(e.key for e in ENDPOINTS)
    )
    parser.add_argument(
        "--duration", type=float, help="seconds per wrk run (default 10; with --scale 5)"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--attempts", type=int, default=3, help="runs at most per measurement when others are busy"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=120.0,
        help="seconds to wait at most for other work on the machine to stop (default 120)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the table only (no results file / README update)",
    )
    from bench import scale

    scale.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.duration is None:
        args.duration = scale.DURATION if args.scale else 10.0

    if shutil.which("wrk") is None:
        print("install wrk: apt-get install wrk", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    started = datetime.now(UTC)
    if args.scale:
        return scale.run(args)

    from bench import load

    args.url = load.database_url(args.database_url)
    mode, files, notes = (postgresql_mode if args.db == "postgresql" else sqlite_mode)(args)
    endpoints = mode.endpoints
    if args.only:
        wanted = set(args.only.split(","))
        endpoints = [e for e in mode.endpoints if e.key in wanted]

    for old_log in mode.log_dir.glob("*.log"):
        old_log.unlink()
    servers = Servers(mode.log_dir)
    rows: list[str] = []
    verdicts: list[bool | None] = []
    busy_before = wait_for_quiet(args.wait_quiet)
    try:
        for name, server in mode.servers.items():
            servers.start(name, server)
        for name in mode.servers:
            servers.wait_ready(name)
        check = compare_bodies if mode.db == "postgresql" else compare_rows
        notes += check(files, mode)

        for endpoint in endpoints:
            if endpoint.server != "service" and servers.alive("service"):
                # PostgreSQL's connections are limited: the main service makes way for the
                # other instance (the last rows measured).
                servers.stop("service")
            try:
                paths = files[endpoint.paths_key]
                row, verdict = measure(endpoint, paths, servers, args, notes, mode)
            except (RuntimeError, ValueError, OSError, subprocess.SubprocessError) as error:
                log(f"{endpoint.key}: failed: {error}")
                error_text = f"error: {str(error).splitlines()[0][:120]}"
                row, verdict = _row(endpoint, error_text, None, mode.peer)
            rows.append(row)
            verdicts.append(verdict)
    finally:
        servers.stop_all()
    if servers.restarts:
        notes.append(
            f"A server was stopped from outside during this run and restarted "
            f"{servers.restarts} time(s)."
        )
    if busy_before > 0.25:
        notes.append(
            f"**Noisy run**: the machine was {100 * busy_before:.0f}% busy with other work "
            "when the measurements started."
        )

    worse = regressions(mode.results, rows)
    if worse:
        notes[:0] = [f"**WORSE than the last recorded run**: {line}" for line in worse]
    table = report(rows, notes, args, started, mode)
    print()
    print(table)
    if worse:
        banner = "!" * 78
        print(
            f"\n{banner}\nWORSE than the last recorded run ({mode.results.name}):", file=sys.stderr
        )
        for line in worse:
            print(f"  {line}", file=sys.stderr)
        print(banner, file=sys.stderr)
    if not args.no_write and not args.only:
        write_outputs(table, mode)
        log(f"wrote {mode.results.relative_to(ROOT)}")
    return conclude(verdicts, strict=args.strict)


def conclude(verdicts: list[bool | None], *, strict: bool) -> int:
    """Log how many targets were met; the exit code (2 with --strict when one was missed)."""
    log(
        f"targets met: {sum(1 for v in verdicts if v)}/{len(verdicts)} "
        f"({sum(1 for v in verdicts if v is None)} not measured)"
    )
    return 2 if strict and any(v is False for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())

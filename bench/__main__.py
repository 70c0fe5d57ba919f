"""`make bench`: load the data if needed, start the service and the floor, run wrk, report.

    .venv/bin/python -m bench [--reload] [--only KEY,...] [--duration 10] [--strict]

Starts `communique serve --workers 2 --port 8100` and `uvicorn bench.floor:app --workers 2
--port 8101` on 127.0.0.1 against the bench database, runs `wrk -t2 -c32 -d10s --latency`
per endpoint with a Lua script that walks a file of pre-generated paths, prints a markdown
table and writes it to bench/results.md (and into bench/README.md). Every server it started
is stopped on the way out, whatever happens.
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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    floor: bool  # the floor answers it too
    optional: bool  # a 404 means "not built yet": reported n/a
    min_rps_ratio: float | None = None
    max_p99_ratio: float | None = None
    max_p99_ms: float | None = None

    def target(self) -> str:
        parts = []
        if self.min_rps_ratio is not None:
            parts.append(f"rps ≥ {self.min_rps_ratio:g}× floor")
        if self.max_p99_ratio is not None:
            parts.append(f"p99 ≤ {self.max_p99_ratio:g}× floor")
        if self.max_p99_ms is not None:
            parts.append(f"p99 < {self.max_p99_ms:g} ms")
        return ", ".join(parts)


ENDPOINTS = [
    Endpoint("release_by_id", "`GET /api/v1/press-releases/{id}`", True, False, 0.5, 2.0),
    Endpoint(
        "visits",
        "`GET /api/v1/visits?host_organization_id=…&from=…&to=…&limit=20`",
        True,
        False,
        0.5,
        2.0,
    ),
    Endpoint("release_search", "`GET /api/v1/press-releases?q=…`", True, False, 0.8),
    Endpoint("search", "`GET /api/v1/search?q=…`", False, True, max_p99_ms=100),
    Endpoint("stats", "`GET /api/v1/stats/visits?group_by=month`", False, True, max_p99_ms=100),
]


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


class Servers:
    """The processes this run started; `stop_all` ends each one's own process group."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.specs: dict[str, tuple[list[str], dict[str, str], int]] = {}
        self.restarts = 0

    def start(self, name: str, command: list[str], env: dict[str, str], port: int) -> None:
        if port_in_use(port):
            raise RuntimeError(f"port {port} on {HOST} is already in use; stop what runs there")
        OUT.mkdir(exist_ok=True)
        self.specs[name] = (command, env, port)
        log_file = open(OUT / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.procs[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: workers are stopped with it
        )
        log(f"started {name} (pid {self.procs[name].pid}): {' '.join(command)}")

    def wait_ready(self, name: str, port: int, timeout: float = 90) -> None:
        proc = self.procs[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                tail = (OUT / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail}")
            try:
                status, _ = http_get(port, "/ready", timeout=2)
                if status == 200:
                    log(f"{name} is ready on {HOST}:{port}")
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{name} was not ready on {HOST}:{port} within {timeout:g}s")

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
        command, env, port = self.specs[name]
        self.start(name, command, env, port)
        self.wait_ready(name, port)

    def stop_all(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            log(f"stopped {name}")
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


def cpu_snapshot(server_group: int, own_groups: set[int]) -> dict[int, tuple[str, int]]:
    """CPU ticks used so far by every process, with its part in the measurement: "server"
    (the process group under load), "postgres", "bench" (us, wrk, the idle other server) or
    "other" (anything else running on the machine)."""
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
        elif comm.startswith("postgres"):
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


def db_sessions(url: str) -> int | None:
    """Connections ever opened to the bench database (pg_stat_database.sessions): the
    difference over a run is how many connections the server opened during it."""
    import asyncio

    import asyncpg

    from bench.load import plain_url

    async def read() -> int | None:
        conn = await asyncpg.connect(plain_url(url), timeout=10)
        try:
            value = await conn.fetchval(
                "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
            )
            return int(value) if value is not None else None
        finally:
            await conn.close()

    try:
        return asyncio.run(read())
    except (OSError, asyncpg.PostgresError):
        return None


# --- checks ----------------------------------------------------------------------------------


def compare_bodies(files: dict[str, Path], n: int = 5) -> list[str]:
    """The floor must answer what the service answers (a floor that does less is no floor)."""
    notes = []
    for endpoint in ENDPOINTS:
        if not endpoint.floor:
            continue
        paths = files[endpoint.key].read_text().split()[:n]
        identical = same_json = 0
        for path in paths:
            s_status, s_body = http_get(SERVICE_PORT, path)
            f_status, f_body = http_get(FLOOR_PORT, path)
            if s_status != f_status:
                notes.append(
                    f"{endpoint.key}: {path} is {s_status} on the service and "
                    f"{f_status} on the floor"
                )
                continue
            if s_body == f_body:
                identical += 1
            elif json.loads(s_body) == json.loads(f_body):
                same_json += 1
            else:
                notes.append(
                    f"{endpoint.key}: {path}: the floor's body differs "
                    f"({len(s_body)} vs {len(f_body)} bytes)"
                )
        log(
            f"{endpoint.key}: {identical}/{len(paths)} floor bodies byte-identical, "
            f"{same_json} equal as JSON"
        )
    return notes


# --- report ----------------------------------------------------------------------------------


def _fmt_rps(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else (f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms")


def _row(
    endpoint: Endpoint, service: WrkResult | str, floor: WrkResult | None
) -> tuple[str, bool | None]:
    """A table row and whether the target was met (None: not measured)."""
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
            endpoint.target(),
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
    for who, result in (("service", service), ("floor", floor)):
        if result is not None and not result.clean:
            problems.append(
                f"{who}: {result.non_2xx} non-2xx, {result.socket_errors} "
                f"socket errors ({result.timeouts} timeouts)"
            )
    verdict = "**yes**" if met else "**no**"
    if problems:
        verdict = ("error" if met else "**no**") + " (" + "; ".join(problems) + ")"
    cells = [
        endpoint.label,
        _fmt_rps(service.rps),
        _fmt_ms(service.p50_ms),
        _fmt_ms(service.p99_ms),
        _fmt_rps(floor.rps if floor else None),
        _fmt_ms(floor.p99_ms if floor else None),
        "—" if rps_ratio is None else f"{rps_ratio:.2f}",
        "—" if p99_ratio is None else f"{p99_ratio:.2f}",
        endpoint.target(),
        verdict,
    ]
    return "| " + " | ".join(cells) + " |", (met and not problems)


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


def report(rows: list[str], notes: list[str], args: argparse.Namespace, started: datetime) -> str:
    from bench import generate as gen

    header = (
        "| endpoint | service rps | p50 | p99 | floor rps | floor p99 | rps ratio | "
        "p99 ratio | target | met? |"
    )
    rule = "|" + "---|" * 10
    lines = [
        f"Run of {started:%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores), commit {git_commit()}.",
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s --latency (after a "
        f"{args.warmup:g}s warm-up), service `communique serve --workers 2`, floor "
        f"`uvicorn bench.floor:app --workers 2`, PostgreSQL on the same machine; data: "
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


def write_outputs(table: str) -> None:
    RESULTS.write_text(
        "# Latest benchmark results\n\nWritten by `make bench` (see README.md).\n\n" + table
    )
    if README.exists():
        text = README.read_text()
        if START_MARK in text and END_MARK in text:
            head, rest = text.split(START_MARK, 1)
            _, tail = rest.split(END_MARK, 1)
            README.write_text(f"{head}{START_MARK}\n{table}{END_MARK}{tail}")


def measure(
    endpoint: Endpoint, paths: Path, servers: Servers, args: argparse.Namespace, notes: list[str]
) -> tuple[str, bool | None]:
    """wrk against the service (and the floor, where it answers this endpoint): a table row.
    A run during which a server died (something outside stopped it) is measured again once."""
    died: list[str] = []
    for attempt in (1, 2):
        servers.ensure_running("service")
        if endpoint.floor:
            servers.ensure_running("floor")
        result = _measure_once(endpoint, paths, args, notes, servers)
        died = [name for name in ("service", "floor") if not servers.alive(name)]
        if not died:
            return result
        log(f"{endpoint.key}: {', '.join(died)} exited during the run (attempt {attempt})")
    raise RuntimeError(f"{' and '.join(died)} kept exiting during the run")


NOISE = 0.10  # share of the machine's CPU other processes may use during a clean run


def _one_run(
    endpoint: Endpoint,
    who: str,
    port: int,
    paths: Path,
    args: argparse.Namespace,
    servers: Servers,
) -> tuple[float, WrkResult, str]:
    """Warm up, then one measured wrk run: (others' CPU share, the result, a CPU note)."""
    log(f"{endpoint.key}: {who}, {args.warmup:g}s warm-up then {args.duration:g}s")
    run_wrk(port, paths, args, args.warmup)
    before = db_sessions(args.url)
    group = servers.procs[who].pid
    cpu_before, started = cpu_snapshot(group, servers.groups()), time.monotonic()
    result = run_wrk(port, paths, args, args.duration)
    used = cpu_seconds(cpu_before, cpu_snapshot(group, servers.groups()))
    elapsed = time.monotonic() - started
    after = db_sessions(args.url)
    log(f"  {result}")
    per_request = {part: 1000 * used[part] / max(result.requests, 1) for part in used}
    connections = (
        f"; new database connections during the run: {after - before - 1}"
        if before is not None and after is not None and after - before > 1
        else ""
    )
    note = (
        f"{endpoint.key}, {who}: CPU per request {per_request.get('server', 0):.2f} ms "
        f"in the server's Python workers, {per_request.get('postgres', 0):.2f} ms in "
        f"PostgreSQL, {per_request.get('bench', 0):.2f} ms in wrk{connections}."
    )
    return used["other"] / (elapsed * (os.cpu_count() or 1)), result, note


def _measure_once(
    endpoint: Endpoint, paths: Path, args: argparse.Namespace, notes: list[str], servers: Servers
) -> tuple[str, bool | None]:
    first = paths.read_text().split()[0]
    status, body = http_get(SERVICE_PORT, first)
    if status == 404 and endpoint.optional:
        log(f"{endpoint.key}: 404 from the service (not built yet): n/a")
        return _row(endpoint, "n/a", None)
    if status != 200:
        log(f"{endpoint.key}: {first} answered {status}: {body[:300]!r}")
    results: dict[int, WrkResult] = {}
    for who, port in (("service", SERVICE_PORT), ("floor", FLOOR_PORT)):
        if who == "floor" and not endpoint.floor:
            continue
        # The machine is shared: a run during which other processes took more than 10% of
        # the CPU is repeated (at most twice more) and the quietest attempt is kept.
        best: tuple[float, WrkResult, str] | None = None
        for attempt in range(1, args.attempts + 1):
            other, result, note = _one_run(endpoint, who, port, paths, args, servers)
            if best is None or other < best[0]:
                best = (other, result, note)
            if other <= NOISE:
                break
            log(f"  other processes used {100 * other:.0f}% of the CPU (attempt {attempt})")
        assert best is not None
        other, results[port], note = best
        notes.append(note)
        if other > NOISE:
            notes.append(
                f"**{endpoint.key}: noisy {who} run**: other processes on the machine used "
                f"{100 * other:.0f}% of its CPU meanwhile (quietest of {args.attempts} attempts)."
            )
    return _row(endpoint, results[SERVICE_PORT], results.get(FLOOR_PORT))


# --- main ------------------------------------------------------------------------------------


def _on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _server_commands(bin_dir: Path) -> dict[str, list[str]]:
    common = ["--workers", "2", "--host", HOST]
    return {
        "service": [str(bin_dir / "communique"), "serve", *common, "--port", str(SERVICE_PORT)],
        "floor": [
            str(bin_dir / "uvicorn"), "bench.floor:app", *common, "--port", str(FLOOR_PORT),
            "--no-access-log", "--log-level", "warning",
        ],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reload", action="store_true", help="reload the data first")
    parser.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or the bench db")
    parser.add_argument(
        "--only", help="comma-separated endpoint keys: " + ",".join(e.key for e in ENDPOINTS)
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
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
        help="print the table only (no results.md / README update)",
    )
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        print("install wrk: apt-get install wrk", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    started = datetime.now(UTC)

    from bench import load, paths, sqlcheck

    args.url = load.database_url(args.database_url)
    load.ensure_loaded(args.url, reload=args.reload)
    files = paths.write_paths(args.url, OUT)
    endpoints = ENDPOINTS
    if args.only:
        wanted = set(args.only.split(","))
        endpoints = [e for e in ENDPOINTS if e.key in wanted]

    notes: list[str] = []
    drift = sqlcheck.compare(args.url)
    if drift:
        notes += [
            "**The floor's SQL has drifted from the service's** (update bench/floor.py):",
            *drift,
        ]
        log("floor SQL differs from the service's:\n" + "\n".join(drift))
    else:
        notes.append(
            "The floor sends the same SQL statements as the service "
            "(checked by bench.sqlcheck this run)."
        )

    for old_log in OUT.glob("*.log"):
        old_log.unlink()
    plain = load.plain_url(args.url)
    envs = {
        "service": {
            **os.environ,
            "DATABASE_URL": "postgresql+asyncpg://" + plain.removeprefix("postgresql://"),
        },
        "floor": {**os.environ, "BENCH_DATABASE_URL": plain},
    }
    ports = {"service": SERVICE_PORT, "floor": FLOOR_PORT}
    servers = Servers()
    rows: list[str] = []
    verdicts: list[bool | None] = []
    busy_before = wait_for_quiet(args.wait_quiet)
    try:
        for name, command in _server_commands(Path(sys.executable).parent).items():
            servers.start(name, command, envs[name], ports[name])
        for name, port in ports.items():
            servers.wait_ready(name, port)
        notes += compare_bodies(files)

        for endpoint in endpoints:
            try:
                row, verdict = measure(endpoint, files[endpoint.key], servers, args, notes)
            except (RuntimeError, ValueError, OSError, subprocess.SubprocessError) as error:
                log(f"{endpoint.key}: failed: {error}")
                row, verdict = _row(endpoint, f"error: {str(error).splitlines()[0][:120]}", None)
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

    table = report(rows, notes, args, started)
    print()
    print(table)
    if not args.no_write and not args.only:
        write_outputs(table)
        log(f"wrote {RESULTS.relative_to(ROOT)}")
    missed = [v for v in verdicts if v is False]
    log(
        f"targets met: {sum(1 for v in verdicts if v)}/{len(verdicts)} "
        f"({sum(1 for v in verdicts if v is None)} not measured)"
    )
    return 2 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())

"""CI does what an attacker would: a real server, Schemathesis, then the fault tests.

    .venv/bin/python .ci/attack.py --db sqlite
    .venv/bin/python .ci/attack.py --db postgresql      # database ci_attack, made anew

For the chosen database: make a throwaway database (a SQLite file in a temporary folder, or
the PostgreSQL database `ci_attack`, dropped and created again), `communique migrate`, an
editor key from `communique keys create`, `communique serve` on a free port of 127.0.0.1 with
rate limits off; then Schemathesis against its /openapi.json (every check, a fixed seed, a
time budget, the editor key on every request so writes are exercised too), then the fault
tests of .ci/faults.py against the same server. The server's log is searched for tracebacks
and "database is locked" afterwards.

Exit code 0 only when Schemathesis found nothing, every fault test held and the log is clean.
Settings: ATTACK_SECONDS (Schemathesis time budget, default 150), ATTACK_SEED (default
20261202), ATTACK_WORKERS (default 1), ATTACK_SCHEMATHESIS_ARGS (more options, to look
closer at a finding); --skip-schemathesis, --skip-faults, --only TEST for a partial run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import faults  # beside this file (the folder is on sys.path above)

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
PG_DATABASE = os.environ.get("ATTACK_PG_DATABASE", "ci_attack")
PG_ADMIN = ["-h", faults.PG_HOST, "-p", str(faults.PG_PORT), "-U", "postgres"]


def log(message: str) -> None:
    print(f"[attack {time.strftime('%H:%M:%S')}] {message}", flush=True)


def header(text: str) -> None:
    print(f"\n---------- {text} ----------\n", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", *PG_ADMIN, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        timeout=120,
    )


def fresh_database(db: str, folder: Path) -> str:
    """The DATABASE_URL of an empty database for this run."""
    if db == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'attack.db'}"
    if not faults.ensure_pg_up():
        raise SystemExit("PostgreSQL is not reachable")
    psql(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{PG_DATABASE}"')
    return f"postgresql+asyncpg://postgres@{faults.PG_HOST}:{faults.PG_PORT}/{PG_DATABASE}"


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        RATE_LIMIT_ENABLED="false",  # thousands of requests a minute from one key and address
        STATS_CACHE_SECONDS="0",  # every statistics request reaches the database
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)
    return env


def communique(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "communique"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"communique {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Server:
    """`communique serve` in its own process group, its output in a log file."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.log_file = log_file
        self._out = open(log_file, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(BIN / "communique"), "serve", "--host", HOST, "--port", str(self.port)],
            env=env,
            cwd=ROOT,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited:\n{self.log_file.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.3)
        raise SystemExit(f"the server was not ready within {timeout:g}s")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(15)
        self._out.close()


def run_schemathesis(server: Server, key: str, report_dir: Path) -> tuple[bool, float]:
    seconds = os.environ.get("ATTACK_SECONDS", "150")
    command = [
        str(BIN / "schemathesis"),
        "--config-file", str(ROOT / ".ci" / "schemathesis.toml"),
        "run", f"{server.base_url}/openapi.json",
        "--url", server.base_url,
        "--checks", "all",
        "--seed", os.environ.get("ATTACK_SEED", "20261202"),
        "--max-time", seconds,
        # One worker: with threads, Python 3.11's ast.parse (Hypothesis describing its
        # strategies) can fail with "AST constructor recursion depth mismatch" (gh-106905).
        "--workers", os.environ.get("ATTACK_WORKERS", "1"),
        # No answer within this is a hang; an answer slower than that a failure of its own.
        "--request-timeout", "30",
        "--max-response-time", "10",
        "--header", f"Authorization: Bearer {key}",
        "--generation-database", "none",
        "--no-color",
        "--report", "junit",
        "--report-dir", str(report_dir),
        # For a closer look at one finding (say --include-path-regex visits), never in CI.
        *shlex.split(os.environ.get("ATTACK_SCHEMATHESIS_ARGS", "")),
    ]  # fmt: skip
    log(f"schemathesis run, all checks, seed {command[command.index('--seed') + 1]}, "
        f"at most {seconds}s")  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, cwd=report_dir, check=False, timeout=int(seconds) + 600)
    return done.returncode == 0, time.monotonic() - started


_UNHANDLED = re.compile(r"unhandled error on (\S+ \S+)")
_CHAINED = ("The above exception was the direct cause", "During handling of the above exception")


def server_log_findings(log_file: Path) -> list[str]:
    """Tracebacks and lock errors in the server's log, one line each: where (the request, when
    the app logged it), the first exception of a chain and the one that escaped."""
    lines = log_file.read_text(errors="replace").splitlines()
    findings = []
    number = 0
    while number < len(lines):
        line = lines[number]
        if "Traceback (most recent call last)" not in line:
            if "database is locked" in line:
                findings.append(f"'database is locked' logged: {line[:300]}")
            number += 1
            continue
        before = reversed(lines[max(0, number - 8) : number])
        where = next((m.group(1) for m in map(_UNHANDLED.search, before) if m), "")
        # A chain: traceback, exception line, "The above exception …", traceback, … .
        raised: list[str] = []
        while number < len(lines) and "Traceback (most recent call last)" in lines[number]:
            number += 1
            while number < len(lines) and (
                not lines[number] or lines[number].startswith((" ", "\t"))
            ):
                number += 1
            raised.append(lines[number][:200] if number < len(lines) else "?")
            following = number + 1
            while following < len(lines) and not lines[following].strip():
                following += 1
            if following < len(lines) and lines[following].startswith(_CHAINED):
                number = following + 1
                while number < len(lines) and not lines[number].strip():
                    number += 1
            else:
                number = following
                break
        chain = raised[0] if len(raised) == 1 else f"{raised[0]} … → {raised[-1]}"
        findings.append(f"traceback{' on ' + where if where else ''}: {chain}")
    return findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--skip-schemathesis", action="store_true")
    parser.add_argument("--skip-faults", action="store_true")
    parser.add_argument("--only", action="append", choices=list(faults.TESTS),
                        help="run only these fault tests")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the logs and reports")
    args = parser.parse_args()

    # A stop from outside still runs the finally blocks (PostgreSQL started, server stopped).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    folder = Path(tempfile.mkdtemp(prefix=f"communique-attack-{args.db}-"))
    failures: list[str] = []
    timings: list[str] = []
    server: Server | None = None
    started = time.monotonic()
    try:
        header(f"attack on {args.db}: a real server")
        env = server_env(fresh_database(args.db, folder))
        communique(env, "migrate")
        key = communique(env, "keys", "create", "--role", "editor", "--name", "ci").strip()
        key = key.splitlines()[-1].strip()
        server = Server(env, folder / "server.log")
        server.wait_ready()
        log(f"server up at {server.base_url} on {args.db}; logs in {folder}")

        if not args.skip_schemathesis:
            header(f"schemathesis on {args.db}")
            ok, took = run_schemathesis(server, key, folder)
            timings.append(f"schemathesis {took:.0f}s")
            if not ok:
                failures.append("schemathesis found failures (see its report above)")

        if not args.skip_faults:
            header(f"fault tests on {args.db}")
            target = faults.Target(
                server.base_url, key, args.db, PG_DATABASE if args.db == "postgresql" else None
            )
            fault_started = time.monotonic()
            try:
                results = asyncio.run(faults.run_all(target, args.only))
            finally:
                if args.db == "postgresql" and not faults.ensure_pg_up():
                    failures.append("PostgreSQL could not be started again")
            timings.append(f"fault tests {time.monotonic() - fault_started:.0f}s")
            if not faults.summary(results, args.db):
                failures.append("fault tests found violations (see above)")

        if not server.alive():
            failures.append("the server died during the attack")
    finally:
        if server is not None:
            server.stop()
        if args.db == "postgresql":
            faults.ensure_pg_up()

    header(f"server log on {args.db}")
    findings = server_log_findings(folder / "server.log")
    for finding in findings[:40]:
        print(f"  {finding}")
    if len(findings) > 40:
        print(f"  … and {len(findings) - 40} more")
    if findings:
        failures.append(f"{len(findings)} tracebacks or lock errors in the server's log")
        tail = (folder / "server.log").read_text(errors="replace")
        first = tail.find("Traceback (most recent call last)")
        print("\nthe first traceback in full:\n" + tail[first : first + 4000])
    else:
        print("  no traceback, no lock error")

    timings.append(f"total {time.monotonic() - started:.0f}s")
    header(f"attack on {args.db}: {'FAILED' if failures else 'passed'} ({', '.join(timings)})")
    for failure in failures:
        print(f"  FAILED: {failure}")
    if args.keep or failures:
        print(f"  logs and reports kept in {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

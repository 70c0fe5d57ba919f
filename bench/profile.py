"""Where a service worker's time goes: one worker under pyinstrument while wrk loads it.

    .venv/bin/python -m bench.profile [--only KEY,...] [--duration 10] [--connections 16]

For each endpoint, starts the service as ONE uvicorn worker on 127.0.0.1:8102 with
pyinstrument sampling its main thread (the event loop, where all request work happens), runs
wrk against it with the same path files as the benchmark, stops it, and prints the worker's
busy time split by library (self time of the innermost Python frame) plus the app functions
most often on the stack. Raw profiles: bench/out/profile-KEY.txt (pyinstrument's text tree).
Needs pyinstrument in the venv (`.venv/bin/pip install pyinstrument`); py-spy cannot read this
machine's pyenv Python. (`python -m bench.profile serve` is the profiled server itself.)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.__main__ import (
    ENDPOINTS,
    HOST,
    LUA,
    OUT,
    ROOT,
    SERVICE_ENV,
    http_get,
    log,
    parse_wrk,
    port_in_use,
)

PORT = 8102
LIBRARIES = [
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("sqlalchemy", ("/sqlalchemy/", "sqlalchemy generated", "greenlet")),
    ("asyncpg", ("/asyncpg/",)),
    ("fastapi", ("/fastapi/",)),
    ("starlette/anyio", ("/starlette/", "/anyio/")),
    ("uvicorn/httptools", ("/uvicorn/", "/httptools/")),
    ("app", (f"{ROOT}/app/",)),
    ("orjson/json", ("/json/", "orjson")),
    ("asyncio", ("/asyncio/",)),
    ("typing/enum/dataclasses", ("/typing.py", "/enum.py", "/dataclasses.py")),
]
IDLE_FILES = ("/asyncio/runners.py", "/uvicorn/server.py", "/uvicorn/main.py")


def serve(out: Path) -> None:
    """The profiled service: one worker, pyinstrument around the whole server run."""
    import uvicorn
    from pyinstrument import Profiler

    from app.cli import SERVER_OPTIONS
    from app.main import create_app

    profiler = Profiler(interval=0.0005)
    app = create_app()
    profiler.start()
    try:
        uvicorn.run(app, host=HOST, port=PORT, log_level="warning", **SERVER_OPTIONS)
    finally:
        session = profiler.stop()
        out.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
        records = [
            [[ident.split("\x01")[0] for ident in frames], seconds]
            for frames, seconds in session.frame_records
        ]
        out.with_suffix(".json").write_text(json.dumps(records))


def _library(file: str) -> str:
    for name, marks in LIBRARIES:
        if any(mark in file for mark in marks):
            return name
    return "other"


def summarize(records: list[list[object]], top: int = 15) -> list[str]:
    """Busy time by library and the functions where it is spent.

    A sample's time goes to the library of its innermost frame; time in builtins, the standard
    library or greenlet switches goes to the nearest enclosing frame of a known library (so
    `isinstance` called by SQLAlchemy counts as SQLAlchemy).
    """
    by_library: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    busy = 0.0
    for frames, seconds in records:
        assert isinstance(frames, list) and isinstance(seconds, float)
        parsed = [[*str(f).split("\x00"), "", ""][:2] for f in frames]
        leaf_file = parsed[-1][1]
        if any(leaf_file.endswith(idle) for idle in IDLE_FILES) or len(parsed) <= 3:
            continue  # the event loop waiting (uvloop is C: its wait shows as these frames)
        busy += seconds
        library = "other"
        for _function, file in reversed(parsed):
            library = _library(file)
            if library not in ("other", "asyncio", "typing/enum/dataclasses"):
                break
        by_library[library] += seconds
        function, file = parsed[-1]
        short = file.split("site-packages/")[-1].split("/lib/python3.11/")[-1]
        by_function[f"{function} ({short.replace(f'{ROOT}/', '')})"] += seconds
    if not busy:
        return ["  (no busy samples)"]
    lines = [
        f"  busy {busy:.1f}s; by library: "
        + ", ".join(f"{name} {100 * t / busy:.0f}%" for name, t in by_library.most_common()),
        "  top functions by self time:",
    ]
    for label, seconds in by_function.most_common(top):
        lines.append(f"    {100 * seconds / busy:5.1f}%  {label}")
    return lines


def profile(key: str, paths: Path, duration: float, connections: int) -> list[str]:
    if port_in_use(PORT):
        raise RuntimeError(f"port {PORT} is in use")
    out = OUT / f"profile-{key}"
    env = {**os.environ, **SERVICE_ENV, "DATABASE_URL": os.environ["BENCH_SERVICE_URL"]}
    log_file = open(OUT / "profile-server.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.profile", "serve", "--out", str(out)],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"profiled server exited ({proc.returncode})")
            try:
                if http_get(PORT, "/ready", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("profiled server not ready")
        wrk = [
            "wrk", "-t1", f"-c{connections}", f"-d{duration:g}s", "--latency", "--timeout",
            "10s", "-s", str(LUA), f"http://{HOST}:{PORT}", "--", str(paths),
        ]  # fmt: skip
        done = subprocess.run(wrk, capture_output=True, text=True, timeout=duration + 60)
        result = parse_wrk(done.stdout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
    records = json.loads(out.with_suffix(".json").read_text())
    header = (
        f"{key}: one profiled worker, wrk -c{connections}: {result.rps:.0f} rps, "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.non_2xx} non-2xx"
    )
    return [header, *summarize(records)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", default="run", choices=["run", "serve"])
    parser.add_argument("--out", help="(serve) where to write the profile")
    parser.add_argument("--only", help="endpoint keys, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(Path(args.out))
        return 0

    from bench import load, paths

    url = load.database_url(args.database_url)
    load.ensure_loaded(url)
    files = paths.write_paths(url, OUT)
    os.environ["BENCH_SERVICE_URL"] = "postgresql+asyncpg://" + load.plain_url(url).removeprefix(
        "postgresql://"
    )
    wanted = set(args.only.split(",")) if args.only else {e.key for e in ENDPOINTS}
    for endpoint in ENDPOINTS:
        if endpoint.key not in wanted:
            continue
        log(f"profiling {endpoint.key} for {args.duration:g}s")
        lines = profile(endpoint.key, files[endpoint.key], args.duration, args.connections)
        print("\n".join(lines) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

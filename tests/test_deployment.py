"""The container files agree with the app: no Docker engine here, so check them statically."""

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import PROJECT_ROOT, Settings, normalize_database_url

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" form
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, args = line.strip().partition(" ")
            out.append((instruction.upper(), args.strip()))
    return out


def _copied_sources() -> list[str]:
    sources: list[str] = []
    for instruction, args in _dockerfile_instructions():
        if instruction in ("COPY", "ADD"):
            parts = [p for p in shlex.split(args) if not p.startswith("--")]
            sources += [p.rstrip("/") for p in parts[:-1]]
    return sources


def test_api_environment_is_settings_the_app_reads(compose: dict[str, Any]) -> None:
    env = _environment(compose["services"]["api"])
    fields = {name.upper() for name in Settings.model_fields}
    unknown = set(env) - fields
    assert not unknown, f"the app reads none of {unknown}; it reads {sorted(fields)}"
    for name in ("DATABASE_URL", "HOST", "PORT"):
        assert name in env, name

    settings = Settings(**{key.lower(): value for key, value in env.items()})
    assert settings.host == "0.0.0.0"
    assert settings.port == 8000
    assert settings.async_database_url.startswith("postgresql+asyncpg://")
    assert normalize_database_url(env["DATABASE_URL"]) == settings.async_database_url


def test_database_url_points_at_the_db_service(compose: dict[str, Any]) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(_environment(compose["services"]["api"])["DATABASE_URL"])
    db_env = _environment(compose["services"]["db"])
    assert url.host == "db"
    assert (url.port or 5432) == 5432
    assert url.username == db_env.get("POSTGRES_USER", "postgres")
    assert url.password == db_env.get("POSTGRES_PASSWORD")
    assert url.database == db_env.get("POSTGRES_DB", url.username)


def test_db_is_healthchecked_and_api_waits_for_it(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    check = db["healthcheck"]["test"]
    assert "pg_isready" in (check if isinstance(check, str) else " ".join(check))
    assert db.get("volumes"), "the database keeps its data in a volume"

    api = compose["services"]["api"]
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert api.get("build"), "the api is built from the Dockerfile"
    command = api["command"]
    command = command if isinstance(command, str) else " ".join(command)
    assert re.search(r"communique migrate\s*&&\s*communique serve", command), command
    assert "8000:8000" in [str(port) for port in api["ports"]]
    health = api["healthcheck"]["test"]
    health = health if isinstance(health, str) else " ".join(health)
    assert "/health" in health and "urllib" in health


def test_dockerfile_copies_what_the_app_needs_at_run_time() -> None:
    sources = _copied_sources()
    for needed in ("alembic.ini", "migrations", "app", "pyproject.toml"):
        assert needed in sources, f"the image lacks {needed}: COPY sources are {sources}"
    missing = [s for s in sources if not any(PROJECT_ROOT.glob(s))]
    assert not missing, f"COPY sources not in the repository: {missing}"


def test_dockerfile_keeps_project_root_and_drops_root() -> None:
    instructions = _dockerfile_instructions()
    base = next(args for name, args in instructions if name == "FROM")
    assert base.startswith("python:3.11-slim")

    # PROJECT_ROOT is the parent of the imported app package: it must be the WORKDIR where
    # alembic.ini and migrations/ were copied, hence an in-place (editable) install there.
    workdir = [args for name, args in instructions if name == "WORKDIR"][-1]
    installs = [args for name, args in instructions if name == "RUN" and "pip install" in args]
    assert any(re.search(r"pip install (.* )?(-e|--editable) \.", args) for args in installs), (
        installs
    )
    assert Path(workdir).is_absolute()

    users = [args for name, args in instructions if name == "USER"]
    assert users and users[-1] not in ("root", "0"), "the container must not run as root"
    assert ("EXPOSE", "8000") in instructions
    cmd = [args for name, args in instructions if name == "CMD"][-1]
    assert "communique" in cmd and "serve" in cmd

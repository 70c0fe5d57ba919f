"""The migrations on the backend under test: up, down and up again on a scratch database with
data in it, and models and migrations describing the same schema."""

import ast
import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app import migrate
from app.config import PROJECT_ROOT
from app.models import Base
from tests.support import in_thread, is_postgres

SCRATCH_DATABASE = "communique_migrations_test"
ENV_PY = PROJECT_ROOT / "migrations" / "env.py"


async def _autocommit(url: str, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own for the round trip, so the suite's database is left alone."""
    if not is_postgres(database_url):
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    drop = f"DROP DATABASE IF EXISTS {SCRATCH_DATABASE} WITH (FORCE)"
    in_thread(asyncio.run, _autocommit(database_url, drop, f"CREATE DATABASE {SCRATCH_DATABASE}"))
    try:
        yield (
            make_url(database_url)
            .set(database=SCRATCH_DATABASE)
            .render_as_string(hide_password=False)
        )
    finally:
        in_thread(asyncio.run, _autocommit(database_url, drop))


def _on(url: str, work: Callable[[Connection], Any]) -> Any:
    """Run `work` on a plain connection to `url` and commit (in a thread: see in_thread)."""

    async def run() -> Any:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return in_thread(asyncio.run, run())


INSERT_ORGANIZATION = text(
    "INSERT INTO organizations (name, kind, country_code, name_key, name_skeleton, "
    "identity_key, version, created_at, updated_at) VALUES "
    "(:name, 'university', 'PK', :key, 'ntnl dfns unvrst', :identity, 1, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)


def _insert_data(connection: Connection) -> None:
    name = "National Defense University"
    connection.execute(
        INSERT_ORGANIZATION,
        {"name": name, "key": name.lower(), "identity": f"PK:{name.lower()}"},
    )
    org_id = connection.execute(text("SELECT id FROM organizations")).scalar_one()
    connection.execute(
        text(
            "INSERT INTO organization_aliases (organization_id, name, language, name_key, "
            "name_skeleton) VALUES (:id, 'Université de la Défense nationale', 'fr', "
            "'universite de la defense nationale', 'unvrst dfns ntnl')"
        ),
        {"id": org_id},
    )
    connection.execute(
        text(
            "INSERT INTO visits (title, status, start_date, end_date, date_precision, "
            "host_organization_id, summary, version, created_at, updated_at) VALUES "
            "('Visit to Riyadh', 'published', '2023-05-08', '2023-05-08', 'day', :id, "
            "'A delegation', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"id": org_id},
    )
    connection.execute(
        text(
            "INSERT INTO press_releases (title, body, language, status, version, created_at, "
            "updated_at) VALUES ('La CIMCT reçoit une délégation', 'Riyad, le 8 mai 2023', "
            "'fr', 'published', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )


def _counts(connection: Connection) -> dict[str, int]:
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in ("organizations", "organization_aliases", "visits", "press_releases")
    }


def _state(connection: Connection) -> tuple[set[str], str | None]:
    tables = set(inspect(connection).get_table_names())
    revision = None
    if "alembic_version" in tables:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return tables, revision


def test_upgrade_downgrade_upgrade_with_data(scratch_url: str) -> None:
    head = ScriptDirectory.from_config(migrate.alembic_config(scratch_url)).get_current_head()
    model_tables = set(Base.metadata.tables)

    in_thread(migrate.upgrade, scratch_url)
    tables, revision = _on(scratch_url, _state)
    assert revision == head
    assert model_tables <= tables, model_tables - tables

    _on(scratch_url, _insert_data)
    assert _on(scratch_url, _counts) == {
        "organizations": 1,
        "organization_aliases": 1,
        "visits": 1,
        "press_releases": 1,
    }

    in_thread(migrate.downgrade, scratch_url, "base")
    tables, revision = _on(scratch_url, _state)
    assert not (model_tables & tables), model_tables & tables
    assert revision is None

    in_thread(migrate.upgrade, scratch_url)
    tables, revision = _on(scratch_url, _state)
    assert revision == head
    assert model_tables <= tables
    assert _on(scratch_url, _counts) == {
        "organizations": 0,
        "organization_aliases": 0,
        "visits": 0,
        "press_releases": 0,
    }
    # The schema works again after the round trip, search triggers and columns included.
    _on(scratch_url, _insert_data)
    assert _on(scratch_url, _counts)["press_releases"] == 1


def test_every_revision_steps_down_and_up(scratch_url: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(scratch_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        in_thread(migrate.upgrade, scratch_url, revision)
        in_thread(migrate.downgrade, scratch_url, "-1")
        in_thread(migrate.upgrade, scratch_url, revision)
        assert _on(scratch_url, _state)[1] == revision


def _env_include_object() -> Callable[..., bool]:
    """migrations/env.py's own include_object (env.py runs Alembic at import, so only the
    filter and the constants it reads are taken from its source)."""
    tree = ast.parse(ENV_PY.read_text(encoding="utf-8"))
    wanted: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "include_object":
            wanted.append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if all(isinstance(t, ast.Name) and t.id.isupper() for t in targets):
                wanted.append(node)
    assert any(isinstance(n, ast.FunctionDef) for n in wanted), "env.py has no include_object"
    namespace: dict[str, Any] = {"Any": Any}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), str(ENV_PY), "exec"), namespace)
    include_object: Callable[..., bool] = namespace["include_object"]
    return include_object


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "target_metadata": Base.metadata,
            "compare_type": True,
            "render_as_batch": True,
            "include_object": _env_include_object(),
        },
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    """The suite's database was built by the migrations alone: autogenerate must find
    nothing to add, drop or alter against the models."""
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == [], "models and migrations differ; write a migration:\n" + "\n".join(
        map(str, diff)
    )


def test_drift_check_is_able_to_fail(scratch_url: str) -> None:
    """A column the models don't know of is reported (the drift test is not vacuous)."""
    in_thread(migrate.upgrade, scratch_url)
    column = f"extra_{uuid.uuid4().hex[:8]}"
    _on(scratch_url, lambda c: c.execute(text(f"ALTER TABLE organizations ADD {column} TEXT")))
    diff = _on(scratch_url, _diff)
    assert any(
        step[0] == "remove_column" and step[3].name == column
        for step in diff
        if isinstance(step, tuple)
    ), diff

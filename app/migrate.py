"""Run Alembic migrations from code (the CLI, the tests and the container use this)."""

from alembic import command
from alembic.config import Config

from app.config import PROJECT_ROOT, get_settings, normalize_database_url


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = normalize_database_url(
        database_url or get_settings().database_url
    )
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)

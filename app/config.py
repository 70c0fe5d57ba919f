"""Settings read from the environment (and an optional `.env` file)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "communique.db"


def normalize_database_url(url: str) -> str:
    """Give plain `postgresql://` and `sqlite://` URLs the async driver the service runs on."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+pysqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Seconds a request waits for a database connection before the API answers 503.
    db_timeout: float = 5.0
    # How long a statistics answer may be reused (0: never); writes clear it at once.
    stats_cache_seconds: float = 5.0
    # Database connections each process keeps open (PostgreSQL).
    pool_size: int = 20
    # Seconds one SQL statement may run before it is cancelled and the request answered 503
    # (0: no limit), on both databases: no request can hold a connection for long.
    statement_timeout: float = 5.0
    # Requests per window, per API key (anonymous: per client address, IPv6 per /64);
    # /health, /ready and /metrics are not counted. Off for benchmarks, never in production.
    rate_limit_enabled: bool = True
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_reads: int = Field(default=1200, ge=1)  # GET and HEAD
    rate_limit_writes: int = Field(default=300, ge=1)  # POST, PUT, PATCH, DELETE
    rate_limit_extract: int = Field(default=60, ge=1)  # POST /api/v1/extract (its own budget)
    # Requests with refused credentials per window and client address; past it, requests
    # with credentials from that address get 429 until the window ends.
    rate_limit_refused_credentials: int = Field(default=60, ge=1)
    # Counts shared by every worker (and every instance) through Redis; unset: per process.
    redis_url: str | None = None
    # Where the counts live in Redis, so that deployments can share one server.
    rate_limit_redis_prefix: str = "communique:ratelimit:"

    @property
    def async_database_url(self) -> str:
        return normalize_database_url(self.database_url)


@lru_cache
def get_settings() -> Settings:
    return Settings()

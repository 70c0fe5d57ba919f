"""Domain errors and their one mapping to RFC 9457 problem details."""

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

log = logging.getLogger("communique")

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 5


def problem_response(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = list(errors)
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


class ProblemError(Exception):
    """An error a client can act on; raised by services, rendered once by `install`."""

    status: int = 500
    slug: str | None = None

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers

    def response(self) -> Response:
        type_ = f"urn:communique:problem:{self.slug}" if self.slug else "about:blank"
        return problem_response(
            self.status, self.detail, type_=type_, errors=self.errors, headers=self.headers
        )


class BadRequest(ProblemError):
    status = 400
    slug = "bad-request"


class Unauthorized(ProblemError):
    status = 401

    def __init__(self, detail: str = "A valid API key is required for this request.") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ProblemError):
    status = 403


class NotFound(ProblemError):
    status = 404
    slug = "not-found"


class Conflict(ProblemError):
    status = 409
    slug = "conflict"


class PreconditionFailed(ProblemError):
    status = 412
    slug = "precondition-failed"

    def __init__(self) -> None:
        super().__init__("The resource has changed since the ETag in If-Match was issued.")


class Unprocessable(ProblemError):
    status = 422
    slug = "validation-error"

    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(msg, errors=[{"loc": list(loc), "msg": msg}])


class ServiceUnavailable(ProblemError):
    status = 503

    def __init__(self, detail: str = "The database is unreachable; try again shortly.") -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


# Error codes of integrity violations, by database, mapped to what the client did wrong.
_PG_FOREIGN_KEY = "23503"
_PG_UNIQUE = "23505"


def integrity_problem(error: sa_exc.IntegrityError) -> ProblemError:
    """Translate a database integrity error (both databases) into a client error."""
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    message = str(orig)
    if code == _PG_FOREIGN_KEY or "FOREIGN KEY constraint failed" in message:
        return Conflict("The change conflicts with resources that refer to this one.")
    if code == _PG_UNIQUE or "UNIQUE constraint failed" in message:
        return Conflict("A resource with the same identifying values already exists.")
    return Conflict("The change violates a data constraint.")


# SQLSTATE classes of a database that cannot serve now (as opposed to a bad request):
# connection exceptions, insufficient resources (too many clients, out of memory or disk),
# operator intervention (shutting down, starting up).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "57014")  # 57014: statement_timeout
# Of those, the ones that end the session: the connection that met one cannot be used again
# (terminated by an operator or a shutdown, crash of another backend, a connection exception).
_DISCONNECT_SQLSTATES = ("08", "57P01", "57P02", "57P03")


# The base error of SQLAlchemy's DBAPI adapter for asyncpg (its errors wrap asyncpg's).
_ADAPTER_ERROR: type[Exception] = PGDialect_asyncpg.import_dbapi().Error  # type: ignore[no-untyped-call]


def is_unavailable(error: BaseException) -> bool:
    if breaks_connection(error):
        return True
    if isinstance(error, sa_exc.TimeoutError | ConnectionError | TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        sqlstate = _sqlstate(error)
        if sqlstate is not None and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        # Connection refused or dropped, server shutting down, SQLite file locked too long.
        return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    sqlstate = getattr(error, "sqlstate", None)  # a driver error met outside SQLAlchemy
    if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
        return True
    return isinstance(error, OSError)


def breaks_connection(error: BaseException) -> bool:
    """The database connection that raised `error` (or what it was raised from) is unusable:
    it must be invalidated, never handed to another request.

    Besides a server that ended the session, this is asyncpg's protocol stuck mid-operation
    ("cannot switch to state …; another operation is in progress", an InternalClientError).
    A connection is in that state for a moment whenever its backend is terminated while it
    sits idle in the pool (PostgreSQL shutting down, `pg_terminate_backend`): the driver has
    read the server's farewell but not yet the end of the connection, and still calls itself
    open. A request that gets it then must answer 503 and throw the connection away."""
    for candidate in _causes(error):
        if isinstance(candidate, sa_exc.DBAPIError) and candidate.connection_invalidated:
            return True
        if isinstance(candidate, asyncpg.InternalClientError | ConnectionError):
            return True
        # asyncpg's word (and SQLAlchemy's test) for a connection found closed; its other
        # interface errors (a value out of range, a misuse) are bugs, not outages.
        if isinstance(candidate, asyncpg.InterfaceError) and "connection is closed" in str(
            candidate
        ):
            return True
        sqlstate = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_DISCONNECT_SQLSTATES):
            return True
    return False


def _causes(error: BaseException) -> list[BaseException]:
    """`error`, the driver error SQLAlchemy wrapped and what each was raised from."""
    found: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(found) < 8:
        candidate = pending.pop(0)
        if candidate is None or any(candidate is seen for seen in found):
            continue
        found.append(candidate)
        if isinstance(candidate, sa_exc.DBAPIError) and isinstance(candidate.orig, BaseException):
            pending.append(candidate.orig)
        pending.append(candidate.__cause__)
    return found


def _sqlstate(error: sa_exc.DBAPIError) -> str | None:
    """The SQLSTATE behind a wrapped driver error (asyncpg keeps it on the cause)."""
    for candidate in (error.orig, getattr(error.orig, "__cause__", None), error.__cause__):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def allowed_methods(request: Request) -> set[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    candidates = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
    return {
        method
        for method in candidates
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    }


# A body can hold tens of thousands of wrong fields: a 422 lists the first ones only, so its
# size and cost stay small (fix those, then see the next).
MAX_LISTED_ERRORS = 50


def _validation_errors(items: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for item in items[:MAX_LISTED_ERRORS]:
        msg = str(item.get("msg", "Invalid value."))
        ctx = item.get("ctx") or {}
        if "error" in ctx and isinstance(ctx["error"], Exception):
            msg = str(ctx["error"])
        out.append({"loc": list(item.get("loc", ())), "msg": msg})
    return out


def install(app: FastAPI) -> None:
    """Render every error, expected or not, as problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(_: Request, error: ProblemError) -> Response:
        return error.response()

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> Response:
        items = error.errors()
        if any(item.get("type") == "json_invalid" for item in items):
            return problem_response(400, "The request body is not valid JSON.")
        detail = "The request has invalid values; see errors."
        if len(items) > MAX_LISTED_ERRORS:
            detail = (
                f"The request has {len(items)} invalid values; errors lists the first "
                f"{MAX_LISTED_ERRORS}."
            )
        return problem_response(
            422,
            detail,
            type_="urn:communique:problem:validation-error",
            errors=_validation_errors(items),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        detail = (
            error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
        )
        headers = dict(error.headers) if error.headers else None
        if error.status_code == 404:
            detail = "No resource at this URL."
        elif error.status_code == 405:
            detail = "This method is not allowed on this URL; see the Allow header."
            headers = {"Allow": ", ".join(sorted(allowed_methods(request)))}
        return problem_response(error.status_code, detail, headers=headers)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _: StaleDataError) -> Response:
        # Another writer changed the row between our read and our write.
        if "if-match" in request.headers:
            return PreconditionFailed().response()
        return Conflict("The resource was changed by another request; retry.").response()

    @app.exception_handler(sa_exc.IntegrityError)
    async def _integrity(_: Request, error: sa_exc.IntegrityError) -> Response:
        return integrity_problem(error).response()

    async def _database(request: Request, error: Exception) -> Response:
        if is_unavailable(error):
            log.warning(
                "database unavailable on %s %s: %s", request.method, request.url.path, error
            )
            return ServiceUnavailable().response()
        return await _unexpected(request, error)

    # Handled here (not by the catch-all below) so the server does not re-raise them.
    # Driver errors also arrive unwrapped: asyncpg's from the compiled reads
    # (app.kit.fastread), which talk to it without SQLAlchemy in between, and the DBAPI
    # adapter's from what SQLAlchemy does when it hands out a pooled connection (setting
    # a read session's isolation level rolls back first, on a connection maybe just killed).
    for error_class in (
        sa_exc.DBAPIError,
        sa_exc.TimeoutError,
        OSError,
        TimeoutError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        asyncpg.InternalClientError,
        _ADAPTER_ERROR,
    ):
        app.add_exception_handler(error_class, _database)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        if is_unavailable(error):  # raised as a class not listed above: still not a 500
            log.warning(
                "database unavailable on %s %s: %r", request.method, request.url.path, error
            )
            return ServiceUnavailable().response()
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        return problem_response(500, "An unexpected error occurred; it has been logged.")

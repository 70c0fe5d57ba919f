"""Helpers shared by the tests: problem assertions, running Alembic off the event loop."""

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

PROBLEM_JSON = "application/problem+json"
PROBLEM_KEYS = ("type", "title", "status", "detail")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, (response.status_code, response.text)
    content_type = response.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == PROBLEM_JSON, content_type
    body = response.json()
    assert isinstance(body, dict), body
    missing = [key for key in PROBLEM_KEYS if key not in body]
    assert not missing, f"problem body lacks {missing}: {body}"
    assert body["status"] == status, body
    assert isinstance(body["title"], str) and body["title"], body
    assert isinstance(body["detail"], str) and body["detail"], body
    if status == 422:
        errors = body.get("errors")
        assert isinstance(errors, list) and errors, body
        for error in errors:
            assert isinstance(error.get("loc"), list) and isinstance(error.get("msg"), str), error
    return body


def error_locs(body: dict[str, Any]) -> list[list[Any]]:
    """The `loc` of every entry in a 422 problem's `errors`."""
    return [list(error["loc"]) for error in body.get("errors", [])]


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def in_thread(work: Callable[..., T], *args: Any) -> T:
    """Run `work` in a fresh thread and return its result (or raise its error).

    Alembic's env.py calls asyncio.run, which must neither meet a running loop nor replace
    the event loop pytest-asyncio keeps on the main thread."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(work(*args))
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target, name="test-helper")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


Headers = dict[str, str]


def bearer(secret: str) -> Headers:
    return {"Authorization": f"Bearer {secret}"}


def secret_of(headers: Headers) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def assert_unauthorized(response: httpx.Response) -> None:
    """A 401 problem that names the Bearer scheme (WWW-Authenticate)."""
    assert_problem(response, 401)
    assert response.headers.get("www-authenticate", "").split()[0].lower() == "bearer", (
        response.headers
    )

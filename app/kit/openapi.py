"""OpenAPI declarations of error responses, so the document lists every status a route returns."""

from http import HTTPStatus
from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` only on 422.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}


_DESCRIPTIONS = {
    304: "Not modified: the If-None-Match tag is current.",
    400: "Malformed JSON body or cursor.",
    401: "Missing or invalid API key.",
    403: "The key's role does not allow this.",
    404: "No such resource (drafts are invisible without a key).",
    409: "Conflicts with existing data.",
    412: "If-Match does not match the current ETag.",
    413: "Request body over 1 MiB.",
    422: "Invalid values.",
    503: "The database is unreachable; retry after Retry-After seconds.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for status in (*statuses, 503):
        description = _DESCRIPTIONS.get(status, HTTPStatus(status).phrase)
        if status == 304:
            out[status] = {"description": description}
            continue
        out[status] = {
            "description": description,
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
    return out


# 401: a request may carry an invalid key even where none is needed.
READ_ONE = (304, 401, 404, 422)
LIST = (400, 401, 422)
WRITE = (400, 401, 403, 413, 422)
CREATE = (*WRITE, 409)
UPDATE = (*WRITE, 404, 409, 412)
DELETE = (401, 403, 404, 409, 412, 422)

"""HTTP plumbing shared by the resource routes: ETags, conditional requests, responses."""

import hashlib
from collections.abc import Callable

from fastapi import Request
from pydantic import BaseModel
from starlette.responses import Response

from app.kit.errors import PreconditionFailed

JSON = "application/json"


def etag_of(body: bytes) -> str:
    """A strong ETag: it changes whenever the representation's bytes change."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def resource_response(
    request: Request,
    model: BaseModel,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The resource as JSON with its ETag; 304 when the client already has this version."""
    body = model.__pydantic_serializer__.to_json(model)
    return json_response(request, body, status_code=status_code, headers=headers)


def json_response(
    request: Request,
    body: bytes,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A resource's JSON bytes with their ETag; 304 when the client already has them."""
    etag = etag_of(body)
    all_headers = {"ETag": etag, **(headers or {})}
    if status_code == 200 and request.method in ("GET", "HEAD"):
        wanted = request.headers.get("if-none-match")
        if wanted and ("*" in _tags(wanted) or etag in _tags(wanted)):
            return Response(status_code=304, headers={"ETag": etag})
    return Response(body, status_code, headers=all_headers, media_type=JSON)


def check_if_match(request: Request, current: Callable[[], BaseModel]) -> None:
    """Refuse a write made against another version than the stored one (412)."""
    wanted = request.headers.get("if-match")
    if wanted is None:
        return
    tags = [t.strip() for t in wanted.split(",") if t.strip()]
    if "*" in tags:
        return
    model = current()
    if etag_of(model.__pydantic_serializer__.to_json(model)) not in tags:
        raise PreconditionFailed()

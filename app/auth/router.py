"""API keys over HTTP, for admins (the CLI does the same on the server's machine).

Every answer here says `Cache-Control: no-store`: two of them hold a secret, and the others
describe who can write, which no cache between the admin and the service should keep.
"""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body
from starlette.responses import Response

from app.auth import service
from app.auth.schemas import KeyCreate, KeyCreated, KeyRead, KeyRotate
from app.kit import openapi
from app.kit.deps import AdminDep, SessionDep

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])

NO_STORE = {"Cache-Control": "no-store"}
_NO_STORE_HEADER = {
    "Cache-Control": {"description": "Always `no-store`.", "schema": {"type": "string"}}
}


def _with_no_store(
    responses: dict[int | str, dict[str, object]], status: int
) -> dict[int | str, dict[str, object]]:
    """The error responses, plus the success status documented with its header."""
    return {**responses, status: {"headers": _NO_STORE_HEADER}}


@router.get(
    "",
    response_model=list[KeyRead],
    responses=_with_no_store(openapi.responses(401, 403), 200),
)
async def list_keys(session: SessionDep, _: AdminDep, response: Response) -> list[KeyRead]:
    """Every key, revoked and expired ones included; never their secrets."""
    response.headers.update(NO_STORE)
    return [KeyRead.model_validate(key) for key in await service.list_(session)]


@router.post(
    "",
    status_code=201,
    response_model=KeyCreated,
    responses=_with_no_store(openapi.responses(*openapi.WRITE), 201),
)
async def create_key(
    body: KeyCreate, session: SessionDep, _: AdminDep, response: Response
) -> KeyCreated:
    """A new key; `key` is its secret, shown in this answer only. With `expires_at` the key
    stops working at that time."""
    key, secret = await service.create(
        session, name=body.name, role=body.role, expires_at=body.expires_at
    )
    await session.commit()
    response.headers.update(NO_STORE)
    return KeyCreated(**KeyRead.model_validate(key).model_dump(), key=secret)


@router.post(
    "/{id}/rotate",
    response_model=KeyCreated,
    responses=_with_no_store(openapi.responses(*openapi.WRITE, 404, 409), 200),
)
async def rotate_key(
    id: int,
    session: SessionDep,
    _: AdminDep,
    response: Response,
    body: Annotated[KeyRotate | None, Body()] = None,
) -> KeyCreated:
    """A new secret for the key (`key`, shown in this answer only); id, name, role and expiry
    stay. The replaced secret keeps working for `grace_seconds` (default 24 hours), then
    stops; a secret replaced by an earlier rotation stops at once. A revoked or expired key
    cannot be rotated (409)."""
    grace = timedelta(seconds=(body or KeyRotate()).grace_seconds)
    key, secret = await service.rotate(session, key_id=id, grace=grace)
    await session.commit()
    response.headers.update(NO_STORE)
    return KeyCreated(**KeyRead.model_validate(key).model_dump(), key=secret)


@router.delete(
    "/{id}",
    status_code=204,
    responses=_with_no_store(openapi.responses(401, 403, 404, 422), 204),
)
async def revoke_key(id: int, session: SessionDep, _: AdminDep) -> Response:
    """Revoke a key: it stops working at once, the secret a rotation replaced included."""
    await service.revoke(session, key_id=id)
    await session.commit()
    return Response(status_code=204, headers=NO_STORE)

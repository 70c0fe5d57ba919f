"""API keys over HTTP, for admins (the CLI does the same on the server's machine)."""

from fastapi import APIRouter
from starlette.responses import Response

from app.auth import service
from app.auth.schemas import KeyCreate, KeyCreated, KeyRead
from app.kit import openapi
from app.kit.deps import AdminDep, SessionDep

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


@router.get("", response_model=list[KeyRead], responses=openapi.responses(401, 403))
async def list_keys(session: SessionDep, _: AdminDep) -> list[KeyRead]:
    """Every key, revoked ones included; never their secrets."""
    return [KeyRead.model_validate(key) for key in await service.list_(session)]


@router.post(
    "", status_code=201, response_model=KeyCreated, responses=openapi.responses(*openapi.WRITE)
)
async def create_key(body: KeyCreate, session: SessionDep, _: AdminDep) -> KeyCreated:
    """A new key; `key` is its secret, shown in this answer only."""
    key, secret = await service.create(session, name=body.name, role=body.role)
    await session.commit()
    return KeyCreated(**KeyRead.model_validate(key).model_dump(), key=secret)


@router.delete("/{id}", status_code=204, responses=openapi.responses(401, 403, 404, 422))
async def revoke_key(id: int, session: SessionDep, _: AdminDep) -> Response:
    """Revoke a key: it stops working at once."""
    await service.revoke(session, key_id=id)
    await session.commit()
    return Response(status_code=204)

"""The four routes every resource shares (read, create, partial update, delete), built once.

Each feature supplies its schemas and service functions; its own router adds the list route
with the filters only it has.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from app.kit import openapi
from app.kit.deps import EditorDep, SessionDep
from app.kit.http import check_if_match, resource_response
from app.kit.schemas import InputSchema, UpdateSchema

M = TypeVar("M")
ItemId = Annotated[int, Path(description="The resource's id.")]


class Resource(Generic[M]):
    """How one feature's resource is fetched, written and shown."""

    def __init__(
        self,
        *,
        name: str,
        path: str,
        read: Callable[[M], BaseModel],
        read_schema: type[BaseModel],
        create_schema: type[InputSchema],
        update_schema: type[UpdateSchema],
        get: Callable[..., Awaitable[M]],
        create: Callable[..., Awaitable[M]],
        update: Callable[..., Awaitable[M]],
        delete: Callable[..., Awaitable[None]] | None = None,
        get_read: Callable[..., Awaitable[BaseModel]] | None = None,
    ) -> None:
        self.name = name
        self.path = path
        self.read = read
        self.read_schema = read_schema
        self.create_schema = create_schema
        self.update_schema = update_schema
        self.get = get
        self.create = create
        self.update = update
        self.delete = delete or delete_row
        # Where a feature has a faster way to build the representation for reads.
        self.get_read = get_read

    def location(self, item: Any) -> str:
        return f"{self.path}/{item.id}"


async def delete_row(session: AsyncSession, item: object) -> None:
    """Delete one row; the database's ON DELETE rules decide what follows (cascade or 409)."""
    await session.delete(item)
    await session.flush()


def add_item_routes(router: APIRouter, resource: Resource[Any]) -> None:
    """GET/PATCH/DELETE on `/{id}` and POST on the collection, per the API contract."""
    Create = resource.create_schema
    Update = resource.update_schema
    name = resource.name

    async def fetch(session: SessionDep, item_id: int) -> Any:
        return await resource.get(session, item_id)

    @router.get(
        "/{id}",
        response_model=resource.read_schema,
        responses=openapi.responses(*openapi.READ_ONE),
        summary=f"Read one {name}",
        name=f"get_{name.replace(' ', '_')}",
    )
    async def read_one(request: Request, session: SessionDep, id: ItemId) -> Response:
        """The resource with its ETag; `If-None-Match` with the current tag answers 304."""
        if resource.get_read is not None:
            return resource_response(request, await resource.get_read(session, id))
        return resource_response(request, resource.read(await fetch(session, id)))

    @router.post(
        "",
        status_code=201,
        response_model=resource.read_schema,
        responses=openapi.responses(*openapi.CREATE),
        summary=f"Create a {name}",
        name=f"create_{name.replace(' ', '_')}",
    )
    async def create(
        request: Request,
        body: Create,  # type: ignore[valid-type]
        session: SessionDep,
        _: EditorDep,
    ) -> Response:
        """Create it; the answer carries the new resource and its `Location`."""
        item = await resource.create(session, body)
        await session.commit()
        return resource_response(
            request,
            resource.read(item),
            status_code=201,
            headers={"Location": resource.location(item)},
        )

    @router.patch(
        "/{id}",
        response_model=resource.read_schema,
        responses=openapi.responses(*openapi.UPDATE),
        summary=f"Change a {name}",
        name=f"update_{name.replace(' ', '_')}",
    )
    async def update(
        request: Request,
        id: ItemId,
        body: Update,  # type: ignore[valid-type]
        session: SessionDep,
        _: EditorDep,
    ) -> Response:
        """Absent fields stay, `null` clears, lists sent replace the stored list."""
        item = await fetch(session, id)
        check_if_match(request, lambda: resource.read(item))
        item = await resource.update(session, item, body)
        await session.commit()
        return resource_response(request, resource.read(item))

    @router.delete(
        "/{id}",
        status_code=204,
        responses=openapi.responses(*openapi.DELETE),
        summary=f"Delete a {name}",
        name=f"delete_{name.replace(' ', '_')}",
    )
    async def delete(request: Request, id: ItemId, session: SessionDep, _: EditorDep) -> Response:
        """Delete it (409 while other resources still refer to it)."""
        item = await fetch(session, id)
        check_if_match(request, lambda: resource.read(item))
        await resource.delete(session, item)
        await session.commit()
        return Response(status_code=204)

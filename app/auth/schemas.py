from datetime import datetime

from app.kit.enums import Role
from app.kit.schemas import InputSchema, Name, ReadSchema


class KeyCreate(InputSchema):
    name: Name
    role: Role = Role.editor


class KeyRead(ReadSchema):
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyRead):
    key: str

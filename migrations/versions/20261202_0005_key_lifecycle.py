"""API key lifecycle: expiry, last use, rotation with a grace period.

- `expires_at`: a key may stop working at a set time (NULL: never).
- `last_used_at`: when the key last authenticated, to the minute (the service writes it at
  most once a minute per key, so requests with a key don't each cost an UPDATE).
- Rotation keeps the key (id, name, role) and replaces its secret: the replaced secret's
  digest and prefix move to `previous_digest`/`previous_prefix` and it keeps working until
  `previous_expires_at`. `previous_digest` is indexed (unique) because a request's secret is
  looked up among current and previous digests.

All columns are nullable, so existing keys stay as they were: no expiry, never used, never
rotated.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPS = ("expires_at", "last_used_at", "rotated_at", "previous_expires_at")


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        for column in TIMESTAMPS:
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("previous_prefix", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("previous_digest", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_api_keys_previous_digest"), ["previous_digest"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_previous_digest"))
        batch_op.drop_column("previous_digest")
        batch_op.drop_column("previous_prefix")
        for column in reversed(TIMESTAMPS):
            batch_op.drop_column(column)

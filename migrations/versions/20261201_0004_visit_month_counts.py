"""Published visits counted per (start month, end month), kept by triggers on visits.

Dashboards poll visits per month over the whole history or a calendar year. Counting the
visits each time reads every one of them; this table holds the same answer in a few hundred
rows, changed in the same transaction as the visit (insert, delete, and an update of its
status or dates). Keyed by end month too, so that "visits overlapping [from, to]" is exact
when from and to are month boundaries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_FUNCTION = """
CREATE FUNCTION cq_count_visit_months() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'published' THEN
    UPDATE visit_month_counts SET count = count - 1
    WHERE start_month = date_trunc('month', OLD.start_date)::date
      AND end_month = date_trunc('month', OLD.end_date)::date;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'published' THEN
    INSERT INTO visit_month_counts (start_month, end_month, count)
    VALUES (date_trunc('month', NEW.start_date)::date, date_trunc('month', NEW.end_date)::date, 1)
    ON CONFLICT (start_month, end_month) DO UPDATE SET count = visit_month_counts.count + 1;
  END IF;
  RETURN NULL;
END
$$
"""
PG_TRIGGER = (
    "CREATE TRIGGER visit_month_counts AFTER INSERT OR DELETE OR UPDATE OF status, "
    "start_date, end_date ON visits FOR EACH ROW EXECUTE FUNCTION cq_count_visit_months()"
)
PG_BACKFILL = """
INSERT INTO visit_month_counts (start_month, end_month, count)
SELECT date_trunc('month', start_date)::date, date_trunc('month', end_date)::date, count(*)
FROM visits WHERE status = 'published' GROUP BY 1, 2
"""


def _sqlite_month(column: str) -> str:
    return f"strftime('%Y-%m-01', {column})"


def _sqlite_add(row: str) -> str:
    return (
        "INSERT INTO visit_month_counts (start_month, end_month, count) "
        f"SELECT {_sqlite_month(row + '.start_date')}, {_sqlite_month(row + '.end_date')}, 1 "
        f"WHERE {row}.status = 'published' "
        "ON CONFLICT (start_month, end_month) DO UPDATE SET count = count + 1;"
    )


def _sqlite_remove(row: str) -> str:
    return (
        "UPDATE visit_month_counts SET count = count - 1 "
        f"WHERE {row}.status = 'published' "
        f"AND start_month = {_sqlite_month(row + '.start_date')} "
        f"AND end_month = {_sqlite_month(row + '.end_date')};"
    )


SQLITE_TRIGGERS = [
    f"CREATE TRIGGER visit_month_counts_insert AFTER INSERT ON visits BEGIN "
    f"{_sqlite_add('new')} END",
    f"CREATE TRIGGER visit_month_counts_delete AFTER DELETE ON visits BEGIN "
    f"{_sqlite_remove('old')} END",
    "CREATE TRIGGER visit_month_counts_update AFTER UPDATE OF status, start_date, end_date "
    f"ON visits BEGIN {_sqlite_remove('old')} {_sqlite_add('new')} END",
]
SQLITE_BACKFILL = f"""
INSERT INTO visit_month_counts (start_month, end_month, count)
SELECT {_sqlite_month("start_date")}, {_sqlite_month("end_date")}, count(*)
FROM visits WHERE status = 'published' GROUP BY 1, 2
"""


def upgrade() -> None:
    op.create_table(
        "visit_month_counts",
        sa.Column("start_month", sa.Date(), nullable=False),
        sa.Column("end_month", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("start_month", "end_month", name=op.f("pk_visit_month_counts")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
        op.execute(PG_BACKFILL)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        op.execute(SQLITE_BACKFILL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER visit_month_counts ON visits")
        op.execute("DROP FUNCTION cq_count_visit_months()")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER visit_month_counts_{event}")
    op.drop_table("visit_month_counts")

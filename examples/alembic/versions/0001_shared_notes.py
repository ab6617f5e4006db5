"""A table shared between tenants, guarded by row-level security.

enable_tenant_rls (the stack's helper) enables and forces RLS, creates the policy and grants the
table's DML to the tenants group: no grant of the migration's own.
"""
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE app.notes (id bigserial PRIMARY KEY, tenant_id text NOT NULL, body text NOT NULL)"
    )
    op.execute("SELECT pgstack.enable_tenant_rls('app.notes')")


def downgrade() -> None:
    op.execute("DROP TABLE app.notes")

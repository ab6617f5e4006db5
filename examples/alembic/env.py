"""Alembic environment for a pgstack database.

The migration runs as the service role: DATABASE_SERVICE_URL (the stack output of that name, a libpq
URL; or DATABASE_SERVICE_URL_PORTABLE with PGSSLROOTCERT naming your copy of caCertificate).

- The DSN is read from the environment and handed to SQLAlchemy as a URL object: it never goes
  through alembic.ini / configparser, whose interpolation rejects the "%" of a percent-encoded
  password or path (and prints the value in its error).
- It is never printed: SQLAlchemy shows a URL with the password masked, and a failure to connect is
  reported without the DSN.
"""
import os
import sys

import sqlalchemy
from alembic import context
from sqlalchemy.engine import make_url


def service_url() -> sqlalchemy.engine.URL:
    dsn = os.environ.get("DATABASE_SERVICE_URL")
    if not dsn:
        sys.exit("DATABASE_SERVICE_URL is not set (the stack's service DSN)")
    url = make_url(dsn)
    # SQLAlchemy 2 has the psycopg 3 dialect (the DATABASE_SERVICE_SQLALCHEMY_URL output names it);
    # 1.4 (Debian 12) has psycopg2 only.
    major = int(sqlalchemy.__version__.split(".")[0])
    driver = os.environ.get("PGSTACK_SQLALCHEMY_DRIVER") or ("psycopg" if major >= 2 else "psycopg2")
    return url.set(drivername=f"postgresql+{driver}")


def run_migrations_online() -> None:
    engine = sqlalchemy.create_engine(service_url(), poolclass=sqlalchemy.pool.NullPool, hide_parameters=True)
    try:
        connection = engine.connect()
    except sqlalchemy.exc.OperationalError as e:
        # The driver's message names host and reason, never the password; hide_parameters keeps
        # SQLAlchemy from adding more.
        sys.exit(f"cannot connect as the service role: {str(e.orig).strip()}")
    with connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    sys.exit("offline mode is not supported: migrations run against the database")
run_migrations_online()

"""One client of the matrix (test/integration/clients.test.ts), with its driver's default settings.

    /usr/bin/python3 test/clients/client.py psycopg|psycopg2|sqlalchemy-psycopg2

Environment: APP_URL (DATABASE_URL), READONLY_URL, PORTABLE_URL (a DSN without sslrootcert; the CA
copy comes from PGSSLROOTCERT), TENANTS (JSON {id: {role, searchPath}}), RUN (a marker for this run).
Prints one JSON object: what each tenant saw, how many of 3 x 30 repeated queries succeeded, the
read-only role's error on a write, and whether the portable DSN connected with verify-full.
"""
import json
import os
import sys

DRIVER = sys.argv[1]
APP, READONLY, PORTABLE = os.environ["APP_URL"], os.environ["READONLY_URL"], os.environ["PORTABLE_URL"]
TENANTS = json.loads(os.environ["TENANTS"])
RUN = os.environ["RUN"]
SET_TENANT = "SELECT set_config('role', %s, true), set_config('search_path', %s, true)"
REPEATED = "SELECT count(*) FROM app.notes WHERE body = %s"


def dbapi():
    if DRIVER == "psycopg":
        import psycopg

        return psycopg.connect, psycopg.Error
    if DRIVER == "psycopg2":
        import psycopg2

        return psycopg2.connect, psycopg2.Error
    raise SystemExit(f"unknown driver {DRIVER}")


def run_dbapi():
    connect, error = dbapi()
    seen = {}
    for tid, t in TENANTS.items():
        with connect(APP) as c:  # one transaction, committed at the end of the block
            cur = c.cursor()
            cur.execute(SET_TENANT, (t["role"], t["searchPath"]))
            cur.execute("INSERT INTO notes (tenant_id, body) VALUES (%s, %s)", (tid, RUN))
            cur.execute("SELECT DISTINCT tenant_id FROM notes ORDER BY 1")
            seen[tid] = [r[0] for r in cur.fetchall()]
        c.close()
    ok = 0
    conns = [connect(APP) for _ in range(3)]
    for c in conns:
        c.autocommit = True
    for _ in range(30):
        for c in conns:
            cur = c.cursor()
            cur.execute(REPEATED, (RUN,))
            cur.fetchall()
            ok += 1
    for c in conns:
        c.close()
    ro_error = None
    c = connect(READONLY)
    try:
        c.cursor().execute("INSERT INTO app.notes (tenant_id, body) VALUES ('acme', 'ro')")
        c.commit()
    except error as e:
        ro_error = str(e).strip().splitlines()[0]
    c.close()
    c = connect(PORTABLE)
    cur = c.cursor()
    cur.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    portable = cur.fetchone()[0]
    c.close()
    return {"seen": seen, "repeated": ok, "readonlyError": ro_error, "portableSsl": portable}


def run_sqlalchemy(driver):
    import sqlalchemy
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    def engine(url, **kw):
        # future=True: the SQLAlchemy 2 API on 1.4 (Debian 12); the default on 2.x.
        return sqlalchemy.create_engine(make_url(url).set(drivername=f"postgresql+{driver}"), future=True, **kw)

    app = engine(APP, pool_size=3, max_overflow=0)
    seen = {}
    for tid, t in TENANTS.items():
        with app.begin() as c:
            c.execute(text("SELECT set_config('role', :r, true), set_config('search_path', :p, true)"),
                      {"r": t["role"], "p": t["searchPath"]})
            c.execute(text("INSERT INTO notes (tenant_id, body) VALUES (:t, :b)"), {"t": tid, "b": RUN})
            seen[tid] = [r[0] for r in c.execute(text("SELECT DISTINCT tenant_id FROM notes ORDER BY 1"))]
    ok = 0
    conns = [app.connect() for _ in range(3)]
    for _ in range(30):
        for c in conns:
            c.execute(text("SELECT count(*) FROM app.notes WHERE body = :b"), {"b": RUN}).fetchall()
            c.commit()
            ok += 1
    for c in conns:
        c.close()
    ro_error = None
    try:
        with engine(READONLY).begin() as c:
            c.execute(text("INSERT INTO app.notes (tenant_id, body) VALUES ('acme', 'ro')"))
    except sqlalchemy.exc.DBAPIError as e:
        ro_error = str(e.orig).strip().splitlines()[0]
    with engine(PORTABLE).connect() as c:
        portable = c.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar()
    return {"seen": seen, "repeated": ok, "readonlyError": ro_error, "portableSsl": portable}


if DRIVER.startswith("sqlalchemy-"):
    result = run_sqlalchemy(DRIVER.split("-", 1)[1])
else:
    result = run_dbapi()
print(json.dumps(result))

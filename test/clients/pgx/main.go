// One client of the matrix (test/integration/clients.test.ts): Go on pgx v5 with its default
// settings (statement cache: every query is prepared). Same environment and output as client.py.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type tenant struct {
	Role       string `json:"role"`
	SearchPath string `json:"searchPath"`
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	ctx := context.Background()
	run := os.Getenv("RUN")
	var tenants map[string]tenant
	must(json.Unmarshal([]byte(os.Getenv("TENANTS")), &tenants))

	cfg, err := pgxpool.ParseConfig(os.Getenv("APP_URL"))
	must(err)
	cfg.MaxConns = 3
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	must(err)
	defer pool.Close()

	seen := map[string][]string{}
	for id, t := range tenants {
		tx, err := pool.Begin(ctx)
		must(err)
		_, err = tx.Exec(ctx, "SELECT set_config('role', $1, true), set_config('search_path', $2, true)", t.Role, t.SearchPath)
		must(err)
		_, err = tx.Exec(ctx, "INSERT INTO notes (tenant_id, body) VALUES ($1, $2)", id, run)
		must(err)
		rows, err := tx.Query(ctx, "SELECT DISTINCT tenant_id FROM notes ORDER BY 1")
		must(err)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		must(err)
		seen[id] = ids
		must(tx.Commit(ctx))
	}

	// The same query 30 times on each of 3 pooled connections, outside a transaction.
	ok := 0
	conns := []*pgxpool.Conn{}
	for i := 0; i < 3; i++ {
		c, err := pool.Acquire(ctx)
		must(err)
		conns = append(conns, c)
	}
	for i := 0; i < 30; i++ {
		for _, c := range conns {
			var n int64
			must(c.QueryRow(ctx, "SELECT count(*) FROM app.notes WHERE body = $1", run).Scan(&n))
			ok++
		}
	}
	for _, c := range conns {
		c.Release()
	}

	var roError *string
	ro, err := pgx.Connect(ctx, os.Getenv("READONLY_URL"))
	must(err)
	if _, err := ro.Exec(ctx, "INSERT INTO app.notes (tenant_id, body) VALUES ('acme', 'ro')"); err != nil {
		msg := strings.SplitN(err.Error(), "\n", 2)[0]
		roError = &msg
	}
	must(ro.Close(ctx))

	// PORTABLE_URL has no sslrootcert: pgx takes the CA from PGSSLROOTCERT, as libpq does.
	pc, err := pgx.Connect(ctx, os.Getenv("PORTABLE_URL"))
	must(err)
	var ssl bool
	must(pc.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl))
	must(pc.Close(ctx))

	out, err := json.Marshal(map[string]any{"seen": seen, "repeated": ok, "readonlyError": roError, "portableSsl": ssl})
	must(err)
	fmt.Println(string(out))
}

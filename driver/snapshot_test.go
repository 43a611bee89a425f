package driver_test

import (
	"context"
	"strconv"
	"testing"
)

// TestSnapshotKeepsMailbox checks what README says of snapshots: SELECT *
// leaves the hidden user_id out (SQLite's rule), SELECT user_id, * keeps
// it, holding the mailbox the query gave, in a table CREATE TABLE AS makes.
func TestSnapshotKeepsMailbox(t *testing.T) {
	e := newEnv(t, small(), nil)
	ctx := context.Background()
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{"CREATE TEMP TABLE plain AS SELECT * FROM messages LIMIT 3", nil},
		{"CREATE TEMP TABLE kept AS SELECT user_id, * FROM messages(?) LIMIT 3", []any{e.User}},
		{"CREATE TEMP TABLE bare AS SELECT user_id, * FROM messages LIMIT 3", nil},
	} {
		if _, err := e.conn.ExecContext(ctx, s.sql, s.args...); err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
	}
	got := e.query(t, "SELECT (SELECT count(*) FROM pragma_table_info('plain') WHERE name = 'user_id'), (SELECT name FROM pragma_table_info('kept') WHERE cid = 0), (SELECT name FROM pragma_table_info('kept') WHERE cid = 1)")
	diffRows(t, "columns", got, [][]string{{"0", `"user_id"`, `"id"`}})
	got = e.query(t, "SELECT user_id, count(*) FROM kept GROUP BY 1 UNION ALL SELECT user_id, count(*) FROM bare GROUP BY 1")
	diffRows(t, "user_id", got, [][]string{{strconv.Quote(e.User), "3"}, {`"me"`, "3"}})
}

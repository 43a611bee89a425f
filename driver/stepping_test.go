package driver_test

import (
	sqldriver "database/sql/driver"
	"io"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
)

// TestStatementNotCarried: a statement's state is not left on the
// connection for the next one to pick up. A query stepped outside the
// driver's statements (mattn's plain Query through sql.Conn.Raw) gets a
// statement of its own, with its own request budget, instead of the
// finished statement's spent one (found in review: the cursor read "the
// current statement" from the connection, which still held the last).
func TestStatementNotCarried(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, []string{"MaxRequests=1"})
	if got := e.query(t, "SELECT count(*) FROM users"); len(got) != 1 || got[0][0] != "3" {
		t.Fatalf("statement 1: %v", got)
	}
	// Another request than statement 1's, which its cache would answer.
	var n int64
	err := e.conn.Raw(func(dc any) error {
		rows, err := dc.(sqldriver.Queryer).Query("SELECT count(*) FROM users WHERE id = ?", []sqldriver.Value{tenant.Users[1].ID})
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]sqldriver.Value, 1)
		if err := rows.Next(dest); err != nil && err != io.EOF {
			return err
		}
		n, _ = dest[0].(int64)
		return nil
	})
	if err != nil || n != 1 {
		t.Fatalf("statement 2: %d users, %v; want 1 within its own budget", n, err)
	}
	reqs, err := driver.Requests(e.conn)
	if err != nil || len(reqs) != 1 {
		t.Errorf("statement 2: %d requests (%v), want 1", len(reqs), err)
	}
	// The driver's statements go on as before.
	if got := e.query(t, "SELECT count(*) FROM users"); len(got) != 1 || got[0][0] != "3" {
		t.Fatalf("statement 3: %v", got)
	}
}

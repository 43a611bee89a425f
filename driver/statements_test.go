package driver_test

import (
	"context"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
)

// TestInterleavedStatements: with two result sets open on one connection,
// each statement keeps its own context, requests and cache. A second
// statement run, finished and cancelled while the first is still open must
// not cancel the first one's later scans (found in review), and the first
// one's requests must not land in the second one's log.
func TestInterleavedStatements(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	ctx := context.Background()
	// A correlated subquery scans messages once per folder, while the
	// outer result set is read.
	rows1, err := e.conn.QueryContext(ctx, "SELECT f.id, (SELECT count(*) FROM messages m WHERE m.folder_id = f.id) FROM mail_folders f")
	if err != nil {
		t.Fatal(err)
	}
	defer rows1.Close()
	if !rows1.Next() {
		t.Fatalf("no first row: %v", rows1.Err())
	}
	ctx2, cancel2 := context.WithCancel(ctx)
	rows2, err := e.conn.QueryContext(ctx2, "SELECT count(*) FROM users")
	if err != nil {
		t.Fatal(err)
	}
	var users int
	for rows2.Next() {
		if err := rows2.Scan(&users); err != nil {
			t.Fatal(err)
		}
	}
	if err := rows2.Err(); err != nil {
		t.Fatal(err)
	}
	rows2.Close()
	reqs2, _ := driver.Requests(e.conn)
	cancel2()
	if users != len(tenant.Users) || len(reqs2) != 1 {
		t.Errorf("statement 2: %d users (want %d), %d requests (want 1)", users, len(tenant.Users), len(reqs2))
	}
	n := 1
	for rows1.Next() {
		n++
	}
	if err := rows1.Err(); err != nil {
		t.Fatalf("statement 1 failed after statement 2's context was cancelled: %v", err)
	}
	if want := len(tenant.Users[0].Folders); n != want {
		t.Errorf("statement 1: %d folders, want %d", n, want)
	}
}

package driver_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestSetFile: with SetFile, connections open the database file: tables
// created there persist, the mail tables sit beside them, and a table of
// the file named like a mail table takes the bare name while the mail
// table stays reachable under another schema (live.messages). A path with
// "?" and "%" is a file name, not driver options.
func TestSetFile(t *testing.T) {
	de, err := demo.Start(fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 2, MessagesPerUser: 20}))
	if err != nil {
		t.Fatal(err)
	}
	defer de.Close()
	path := filepath.Join(t.TempDir(), "mail?mode=ro%20x.db")
	open := func() (*sql.DB, *sql.Conn) {
		t.Helper()
		cfg, err := driver.ParseConfig(de.ConnString())
		if err != nil {
			t.Fatal(err)
		}
		cn, err := driver.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cn.SetFile(path)
		db := sql.OpenDB(cn)
		conn, err := db.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return db, conn
	}
	ctx := context.Background()
	db, conn := open()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE messages(subject TEXT); INSERT INTO messages VALUES ('kept')"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	db.Close()

	db, conn = open()
	defer db.Close()
	defer conn.Close()
	var subject string
	var live, file int
	if err := conn.QueryRowContext(ctx, "SELECT subject FROM messages").Scan(&subject); err != nil || subject != "kept" {
		t.Fatalf("the file's messages: %q, %v", subject, err)
	}
	if _, err := conn.ExecContext(ctx, "ATTACH ':memory:' AS live"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM live.messages").Scan(&live); err != nil || live != 20 {
		t.Fatalf("live.messages: %d rows, %v; want the mailbox's 20", live, err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT file != '' FROM pragma_database_list WHERE name = 'main'").Scan(&file); err != nil || file != 1 {
		t.Fatalf("main is not a file: %d, %v", file, err)
	}
	var name string
	if err := conn.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&name); err != nil || filepath.Base(name) != "mail?mode=ro%20x.db" {
		t.Fatalf("main's file is %q (%v), want %s", name, err, path)
	}
}

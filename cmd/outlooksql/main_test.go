package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/oracle"
)

// tenantFixture is a fake tenant, a connection string for it, and a plain SQLite
// copy of the same data.
type tenantFixture struct {
	env   *demo.Env
	plain *sql.DB
}

func newTenantFixture(t *testing.T) *tenantFixture {
	t.Helper()
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 3, MessagesPerUser: 400})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	plain, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	plain.SetMaxOpenConns(1) // one in-memory database
	t.Cleanup(func() { plain.Close() })
	if err := oracle.Load(plain, tenant, env.User); err != nil {
		t.Fatal(err)
	}
	return &tenantFixture{env: env, plain: plain}
}

// cli runs the command line and returns stdout, stderr and the error.
func cli(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

// TestQueryJSONMatchesPlainSQLite runs queries through `outlooksql query -f
// json` against the fake tenant and the same queries over a plain SQLite
// copy of its data: the JSON must be identical, byte for byte.
func TestQueryJSONMatchesPlainSQLite(t *testing.T) {
	f := newTenantFixture(t)
	for _, tc := range []struct {
		name, sql, plain string
	}{
		{"scan",
			`SELECT id, subject, from_address, to_recipients, received_date_time, is_read, categories FROM messages ORDER BY id`,
			`SELECT id, subject, from_address, to_recipients, received_date_time, is_read, categories FROM messages WHERE user_id = 'me' AND folder_id IS NULL ORDER BY id`},
		{"latest in a folder",
			`SELECT id, subject FROM messages WHERE folder_id = 'inbox' ORDER BY received_date_time DESC, id LIMIT 20`,
			`SELECT id, subject FROM messages WHERE user_id = 'me' AND folder_id = 'inbox' ORDER BY received_date_time DESC, id LIMIT 20`},
		{"filters",
			`SELECT id FROM messages WHERE importance = 'high' AND is_read = 0 AND received_date_time >= '2025-01-01T00:00:00Z' ORDER BY id`,
			`SELECT id FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'high' AND is_read = 0 AND received_date_time >= '2025-01-01T00:00:00Z' ORDER BY id`},
		{"join users and messages",
			`SELECT u.display_name, count(m.id) AS unread FROM users u JOIN messages m ON m.user_id = u.id WHERE m.is_read = 0 GROUP BY u.id ORDER BY u.display_name`,
			`SELECT u.display_name, count(m.id) AS unread FROM users u JOIN messages m ON m.user_id = u.id AND m.folder_id IS NULL WHERE m.is_read = 0 GROUP BY u.id ORDER BY u.display_name`},
		{"attachments by message",
			`SELECT m.subject, a.name, a.kind, a.size, a.is_inline, a.content_type FROM messages m JOIN attachments a ON a.message_id = m.id WHERE m.has_attachments = 1 ORDER BY m.id, a.id`,
			`SELECT m.subject, a.name, a.kind, a.size, a.is_inline, a.content_type FROM messages m JOIN attachments a ON a.message_id = m.id AND a.user_id = 'me' WHERE m.user_id = 'me' AND m.folder_id IS NULL AND m.has_attachments = 1 ORDER BY m.id, a.id`},
		{"folder tree",
			`SELECT path, display_name, child_folder_count, total_item_count, is_hidden FROM mail_folders ORDER BY path`,
			`SELECT path, display_name, child_folder_count, total_item_count, is_hidden FROM mail_folders WHERE user_id = 'me' ORDER BY path`},
		{"users",
			`SELECT display_name, mail, department, business_phones FROM users ORDER BY display_name`,
			`SELECT display_name, mail, department, business_phones FROM users ORDER BY display_name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, stderr, err := cli("query", "-f", "json", "-c", f.env.ConnString(), tc.sql)
			if err != nil {
				t.Fatalf("query: %v\n%s", err, stderr)
			}
			rows, err := f.plain.Query(tc.plain)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			n, err := writeRows(&want, "json", rows, formatOptions{})
			rows.Close()
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatalf("the plain copy has no rows: the test would prove nothing")
			}
			if got != want.String() {
				t.Errorf("JSON differs\n got %.2000s\nwant %.2000s", got, want.String())
			}
			var parsed []map[string]any
			if err := json.Unmarshal([]byte(got), &parsed); err != nil || len(parsed) != n {
				t.Errorf("output is not a JSON array of %d objects: %v", n, err)
			}
		})
	}
}

func TestCLIErrors(t *testing.T) {
	f := newTenantFixture(t)
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"no connection", []string{"query", "SELECT 1"}, "no connection: give -c"},
		{"bad key", []string{"query", "-c", "ClientSecrt=x", "SELECT 1"}, `did you mean ClientSecret`},
		{"bad SQL", []string{"query", "-c", f.env.ConnString(), "SELEC 1"}, "syntax error"},
		{"no such column", []string{"query", "-c", f.env.ConnString(), "SELECT nope FROM messages"}, "no such column: nope"},
		{"bad format", []string{"query", "-f", "xml", "-c", f.env.ConnString(), "SELECT 1"}, `unknown output format "xml"`},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown table", []string{"schema", "nope"}, `no table "nope"`},
		{"Graph error", []string{"query", "-c", f.env.ConnString(), "SELECT id FROM messages WHERE user_id = 'nobody@contoso.onmicrosoft.com'"}, "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := cli(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestExplainListsRequests(t *testing.T) {
	f := newTenantFixture(t)
	out, _, err := cli("explain", "-c", f.env.ConnString(), "SELECT id FROM messages ORDER BY received_date_time DESC LIMIT 3")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"scan 1: messages  rows=3 pages=1 requests=1\n",
		"ORDER BY received_date_time DESC → $orderby=receivedDateTime desc",
		"graph requests: 1\n",
		"/v1.0/me/messages?$orderby=receivedDateTime%20desc&$select=id,receivedDateTime&$top=3 -> 200",
		"total: 1 requests",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
}

// TestExplainBatch: a $batch shows as one POST with its GETs under it, and
// the scan counts it as one request.
func TestExplainBatch(t *testing.T) {
	f := newTenantFixture(t)
	msgs := f.env.Tenant.Users[0].Messages
	a, b := msgs[0].ID, msgs[1].ID
	out, _, err := cli("explain", "-c", f.env.ConnString(), "SELECT subject FROM messages WHERE id IN ('"+a+"', '"+b+"')")
	if err != nil {
		t.Fatal(err)
	}
	base := f.env.Server.GraphURL()
	for _, want := range []string{
		"scan 1: messages  rows=2 pages=2 requests=1\n",
		"graph requests: 1\n",
		"POST " + base + "/$batch -> 200",
		"       GET " + base + "/me/messages/" + strings.ReplaceAll(a, "=", "%3D") + "?$select=id,subject -> 200\n",
		"       GET " + base + "/me/messages/" + strings.ReplaceAll(b, "=", "%3D") + "?$select=id,subject -> 200\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
}

func TestTablesAndSchema(t *testing.T) {
	out, _, err := cli("tables")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"messages", "mail_folders", "users", "attachments"} {
		if !strings.Contains(out, name+" ") {
			t.Errorf("tables lacks %s:\n%s", name, out)
		}
	}
	out, _, err = cli("schema", "messages")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "CREATE TABLE messages(user_id TEXT HIDDEN, folder_id TEXT HIDDEN, search TEXT HIDDEN, id TEXT,") {
		t.Errorf("schema messages:\n%s", out)
	}
}

func TestDemoTour(t *testing.T) {
	out, _, err := cli("demo")
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	if n := strings.Count(out, "graph requests:"); n != len(tour) {
		t.Errorf("demo ran %d explained queries, want %d:\n%s", n, len(tour), out)
	}
	if !strings.Contains(out, "== 1. The 5 latest messages in the inbox (one Graph request)") || !strings.Contains(out, "graph requests: 1\n") {
		t.Errorf("demo output:\n%s", out)
	}
}

func TestQueryArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		out  string
		err  string
	}{
		{[]string{"query", "--demo", "-f", "csv", "SELECT 1 AS x; -- done"}, "x\n1\n", ""},
		{[]string{"query", "--demo", "SELECT 1 AS x", "-f", "json"}, "", `"-f" after the SQL: flags go before the SQL`},
		{[]string{"query", "--demo", "SELECT 1; SELECT 2;"}, "", `query runs one statement and got 2: use "outlooksql query --file script.sql" for scripts`},
	} {
		out, _, err := cli(tc.args...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || out != tc.out {
			t.Errorf("%q: %q, %v; want %q", tc.args, out, err, tc.out)
		}
	}
}

func TestLoginHintNamesTheConnection(t *testing.T) {
	base := errors.New(`messages: auth: sign-in expired or revoked (AADSTS700082): run "outlooksql login" to sign in again`)
	for _, tc := range []struct {
		q    queryFlags
		want string
	}{
		{queryFlags{profile: "work"}, `run "outlooksql login -p work" to sign in again`},
		{queryFlags{conn: "TokenUrl=…;ClientSecret=s3cret"}, `run "outlooksql login -c '<the same connection string>'" to sign in again`},
		{queryFlags{}, `run "outlooksql login" to sign in again`},
	} {
		got := tc.q.loginHint(base).Error()
		if !strings.HasSuffix(got, tc.want) || strings.Contains(got, "s3cret") {
			t.Errorf("%+v: %s; want …%s", tc.q, got, tc.want)
		}
	}
}

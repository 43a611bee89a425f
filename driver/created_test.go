package driver_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// createdEnv is a driver connection on tenant A, a second tenant B behind
// the profile "work" of a profiles file ($OUTLOOKSQL_CONFIG), and a
// database file attached as f.
func createdEnv(t *testing.T) (e *env, b *demo.Env, file string) {
	t.Helper()
	e = newEnv(t, fakegraph.Generate(fakegraph.GenConfig{Seed: 21, Users: 1, MessagesPerUser: 12}), nil)
	b, err := demo.Start(fakegraph.Generate(fakegraph.GenConfig{Seed: 22, Users: 1, MessagesPerUser: 17}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	dir := t.TempDir()
	ini := filepath.Join(dir, "profiles.ini")
	if err := os.WriteFile(ini, []byte("[work]\nconnection = "+b.ConnString()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OUTLOOKSQL_CONFIG", ini)
	t.Setenv("OUTLOOKSQL_CONNECTION", "")
	file = filepath.Join(dir, "report.db")
	if _, err := e.conn.ExecContext(context.Background(), "ATTACH DATABASE ? AS f", file); err != nil {
		t.Fatal(err)
	}
	return e, b, file
}

// TestCreatedTableWithProfile creates tables of several modules in a
// database file with profile=work: the file's schema holds exactly the
// statement (a profile name, nothing else), the tables read tenant B
// through the profile while the connection's own tables read tenant A,
// and a table without arguments is the connection's.
func TestCreatedTableWithProfile(t *testing.T) {
	e, b, _ := createdEnv(t)
	for _, s := range []string{
		"CREATE VIRTUAL TABLE f.work_mail USING messages(profile=work)",
		"CREATE VIRTUAL TABLE f.work_folders USING mail_folders( profile = 'work' )",
		"CREATE VIRTUAL TABLE f.mine USING messages",
	} {
		if _, err := e.conn.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	got := e.query(t, "SELECT type, name, sql FROM f.sqlite_master ORDER BY name")
	want := [][]string{
		{`"table"`, `"mine"`, strconv.Quote("CREATE VIRTUAL TABLE mine USING messages")},
		{`"table"`, `"work_folders"`, strconv.Quote("CREATE VIRTUAL TABLE work_folders USING mail_folders( profile = 'work' )")},
		{`"table"`, `"work_mail"`, strconv.Quote("CREATE VIRTUAL TABLE work_mail USING messages(profile=work)")},
	}
	diffRows(t, "f.sqlite_master", got, want)

	nA := strconv.Itoa(len(e.Tenant.Users[0].Messages))
	nB := strconv.Itoa(len(b.Tenant.Users[0].Messages))
	if nA == nB {
		t.Fatal("the tenants must differ in size")
	}
	got = e.query(t, "SELECT (SELECT count(*) FROM f.work_mail), (SELECT count(*) FROM messages), (SELECT count(*) FROM f.mine)")
	diffRows(t, "counts", got, [][]string{{nB, nA, nA}})
	got = e.query(t, "SELECT subject FROM f.work_mail ORDER BY id")
	wantB := sorted(oracle(t, b.Tenant, "messages", b.User, []string{"id", "subject"}))
	var subjects [][]string
	for _, r := range wantB {
		subjects = append(subjects, r[1:])
	}
	diffRows(t, "f.work_mail subjects", got, subjects)
	if got := e.query(t, "SELECT count(*) > 0 FROM f.work_folders"); got[0][0] != "1" {
		t.Errorf("f.work_folders is empty")
	}
	if _, err := e.conn.ExecContext(context.Background(), "DROP TABLE f.work_folders"); err != nil {
		t.Fatal(err)
	}
	if got := e.query(t, "SELECT group_concat(name) FROM (SELECT name FROM f.sqlite_master ORDER BY name)"); got[0][0] != `"mine,work_mail"` {
		t.Errorf("after DROP TABLE: %v", got)
	}
}

// TestCreatedTableRefusesArguments checks that CREATE VIRTUAL TABLE takes
// nothing but profile=NAME: each refusal says what is accepted, never
// shows an argument's value, and stores nothing in the file.
func TestCreatedTableRefusesArguments(t *testing.T) {
	e, _, _ := createdEnv(t)
	const secret = "Top-Secret-Value-42"
	usage := func(table string) string {
		return "CREATE VIRTUAL TABLE " + table + " USING messages(profile=NAME): NAME is a profile of the profiles file ('outlooksql profiles' lists them); connection settings and secrets stay in the profile, so that the database file holds none"
	}
	tests := []struct{ args, want string }{
		{"BaseUrl='http://127.0.0.1:9/v1.0'", `t: module argument "BaseUrl" is not accepted: ` + usage("t")},
		{"ClientSecret=" + secret, `t: module argument "ClientSecret" is not accepted: ` + usage("t")},
		{secret, `t: the module argument is not profile=NAME: ` + usage("t")},
		{"profile=work, ClientSecret=" + secret, `t: 2 module arguments; the only one accepted is profile=NAME: ` + usage("t")},
		{"profile=", `t: profile= needs a profile name (letters, digits, '-', '_', '.'): ` + usage("t")},
		{"profile=../../x", `t: profile= needs a profile name (letters, digits, '-', '_', '.'): ` + usage("t")},
		{"profile=home", `t: no profile "home" in ` + os.Getenv("OUTLOOKSQL_CONFIG") + `: the profiles are work`},
	}
	for _, tt := range tests {
		_, err := e.conn.ExecContext(context.Background(), "CREATE VIRTUAL TABLE f.t USING messages("+tt.args+")")
		if err == nil || err.Error() != tt.want {
			t.Errorf("messages(%s):\n got %v\nwant %s", tt.args, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("messages(%s): the error shows the value", tt.args)
		}
	}
	if got := e.query(t, "SELECT count(*) FROM f.sqlite_master"); got[0][0] != "0" {
		t.Errorf("refused tables left %s schema entries", got[0][0])
	}
}

// TestCreatedTableWritesThroughProfile checks that a write to a table
// created with profile=work goes to the profile's tenant, never the
// connection's own: B's server gets the PATCH and A's gets no write.
func TestCreatedTableWritesThroughProfile(t *testing.T) {
	e, b, _ := createdEnv(t)
	ctx := context.Background()
	if _, err := e.conn.ExecContext(ctx, "CREATE VIRTUAL TABLE f.work_mail USING messages(profile=work)"); err != nil {
		t.Fatal(err)
	}
	var target string
	for _, m := range b.Tenant.Users[0].Messages {
		if !m.IsRead && !m.IsDraft {
			target = m.ID
			break
		}
	}
	if target == "" {
		t.Fatal("tenant B has no unread message")
	}
	e.Server.ResetRequests()
	b.Server.ResetRequests()
	if _, err := e.conn.ExecContext(ctx, "UPDATE f.work_mail SET is_read = 1 WHERE id = ?", target); err != nil {
		t.Fatal(err)
	}
	var writesA, writesB []string
	for _, r := range e.Server.Requests() {
		if r.Method != "GET" && strings.HasPrefix(r.Path, "/v1.0/") {
			writesA = append(writesA, r.Method+" "+r.Path)
		}
	}
	for _, r := range b.Server.Requests() {
		if r.Method != "GET" && strings.HasPrefix(r.Path, "/v1.0/") {
			writesB = append(writesB, r.Method+" "+r.Path)
		}
	}
	if want := []string{"PATCH /v1.0/me/messages/" + target}; len(writesA) != 0 || !slices.Equal(writesB, want) {
		t.Errorf("writes: tenant A %q, tenant B %q; want none to A, %q to B", writesA, writesB, want)
	}
	if got := e.query(t, "SELECT is_read FROM f.work_mail WHERE id = ?", target); len(got) != 1 || got[0][0] != "1" {
		t.Errorf("after the UPDATE, is_read = %v, want 1", got)
	}
}

// TestCreatedTableSameServerOtherUser puts the connection's messages and a
// profile table of another user on the same Graph in one statement: their
// requests have the same URLs (/me/messages…), yet each table gets its own
// user's mail: answers are shared within a statement only between tables
// of the same sign-in.
func TestCreatedTableSameServerOtherUser(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 23, Users: 2, MessagesPerUser: 9})
	e := newEnv(t, tenant, nil)
	dir := t.TempDir()
	second := tenant.Users[1].UserPrincipalName
	tok, _ := json.Marshal(map[string]any{
		"refresh_token": e.Server.IssueRefreshTokenFor(fakegraph.ClientID, second, fakegraph.DelegatedScopes...),
		"access_token":  "", "expires_in": 0,
	})
	tokFile := filepath.Join(dir, "second.json")
	if err := os.WriteFile(tokFile, tok, 0o600); err != nil {
		t.Fatal(err)
	}
	conn := strings.Replace(e.ConnString(), "RefreshTokenFilePath={"+e.TokenFile+"}", "RefreshTokenFilePath={"+tokFile+"}", 1)
	if conn == e.ConnString() {
		t.Fatal("could not point the profile at the second token file")
	}
	ini := filepath.Join(dir, "profiles.ini")
	if err := os.WriteFile(ini, []byte("[second]\nconnection = "+conn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OUTLOOKSQL_CONFIG", ini)
	ctx := context.Background()
	if _, err := e.conn.ExecContext(ctx, "CREATE VIRTUAL TABLE temp.other USING messages(profile=second)"); err != nil {
		t.Fatal(err)
	}
	ids := func(user string) string {
		var out []string
		for _, r := range sorted(oracle(t, tenant, "messages", user, []string{"id"})) {
			out = append(out, unquote(t, r[0]))
		}
		return strconv.Quote(strings.Join(out, ","))
	}
	for _, q := range []string{
		"SELECT (SELECT group_concat(id) FROM (SELECT id FROM messages ORDER BY id)), (SELECT group_concat(id) FROM (SELECT id FROM other ORDER BY id))",
		"SELECT (SELECT group_concat(id) FROM (SELECT id FROM other ORDER BY id)), (SELECT group_concat(id) FROM (SELECT id FROM messages ORDER BY id))",
	} {
		got := e.query(t, q)
		want := [][]string{{ids(e.User), ids(second)}}
		if strings.Index(q, "other") < strings.Index(q, "messages") {
			want = [][]string{{ids(second), ids(e.User)}}
		}
		diffRows(t, q, got, want)
	}
	// Joins by id (looked up ahead, in batches): a message of one user is
	// not found with the other's sign-in.
	n := strconv.Itoa(len(tenant.Users[0].Messages))
	got := e.query(t, "SELECT (SELECT count(*) FROM messages m JOIN other o ON o.id = m.id), (SELECT count(*) FROM other o JOIN messages m ON m.id = o.id), (SELECT count(*) FROM messages m JOIN messages m2 ON m2.id = m.id)")
	diffRows(t, "joins", got, [][]string{{"0", "0", n}})
	// The same ids looked up for both sign-ins in one join: each lookup
	// answers for its own.
	got = e.query(t, "SELECT count(m2.id), count(o.id) FROM messages m JOIN messages m2 ON m2.id = m.id LEFT JOIN other o ON o.id = m.id")
	diffRows(t, "two lookups", got, [][]string{{n, "0"}})
}

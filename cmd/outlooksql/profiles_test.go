package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// writeProfiles writes a profiles file and points $OUTLOOKSQL_CONFIG at it.
func writeProfiles(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "profiles.ini")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OUTLOOKSQL_CONFIG", path)
	return path
}

// TestQueryWithProfile runs queries on named connections whose secret comes
// from the environment, and checks which connection wins.
func TestQueryWithProfile(t *testing.T) {
	f := newTenantFixture(t)
	env := f.env
	t.Setenv("FAKE_SECRET", fakegraph.ClientSecret)
	path := writeProfiles(t, `# test profiles
[work]
connection = BaseUrl=`+env.Server.GraphURL()+`;TokenUrl=`+env.Server.TokenURL()+`;ClientId=`+fakegraph.ClientID+`;ClientSecret=${env:FAKE_SECRET};RefreshTokenFilePath=`+env.TokenFile+`

[app]
AuthType     = ApplicationCredentials
UserId       = `+f.env.Tenant.Users[1].UserPrincipalName+`
BaseUrl      = `+env.Server.GraphURL()+`
TokenUrl     = `+env.Server.TokenURL()+`
ClientId     = `+fakegraph.ClientID+`
ClientSecret = ${env:FAKE_SECRET}

[nosecret]
connection = TokenUrl=https://x/token;ClientId=c;ClientSecret=${env:UNSET_SECRET};RefreshTokenFilePath=/t.json

[broken]
connection = TokenUrl=https://x/token;ClientSecrt=x
`)
	mailbox := func(args ...string) string {
		t.Helper()
		out, stderr, err := cli(append(append([]string{"query", "-f", "csv"}, args...), "SELECT id FROM messages ORDER BY id LIMIT 2")...)
		if err != nil {
			t.Fatalf("query %q: %v\n%s", args, err, stderr)
		}
		return out
	}
	count := func(user string) string {
		return f.plainOutput(t, "csv", "SELECT id FROM messages WHERE user_id = '"+user+"' AND folder_id IS NULL ORDER BY id LIMIT 2", formatOptions{})
	}
	me := count("me")
	second := count(f.env.Tenant.Users[1].UserPrincipalName)
	if me == second {
		t.Fatalf("the two mailboxes start with the same ids (%s): the test would not tell them apart", me)
	}
	if got := mailbox("-p", "work"); got != me {
		t.Errorf("-p work: %s, want %s", got, me)
	}
	if got := mailbox("--profile", "app"); got != second {
		t.Errorf("--profile app: %s, want %s", got, second)
	}
	if got := mailbox("-p", "app", "-c", f.env.ConnString()); got != me {
		t.Errorf("-c wins over -p: %s, want %s", got, me)
	}
	t.Setenv("OUTLOOKSQL_CONNECTION", f.env.AppConnString(f.env.Tenant.Users[1].UserPrincipalName))
	if got := mailbox("-p", "work"); got != me {
		t.Errorf("-p wins over $OUTLOOKSQL_CONNECTION: %s, want %s", got, me)
	}
	if got := mailbox(); got != second {
		t.Errorf("$OUTLOOKSQL_CONNECTION: %s, want %s", got, second)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "-p", "home", "SELECT 1"}, `no profile "home" in ` + path + `: the profiles are work, app, nosecret, broken`},
		{[]string{"query", "-p", "nosecret", "SELECT 1"}, path + ":14: profile nosecret: connection: ClientSecret: environment variable UNSET_SECRET is not set"},
		{[]string{"query", "-p", "broken", "SELECT 1"}, "connection string of profile broken (" + path + ":16): unknown key \"ClientSecrt\" (did you mean ClientSecret?)"},
		{[]string{"shell", "-p", "home"}, `no profile "home"`},
		{[]string{"login", "-p", "app"}, "login is for AuthType=UserCredentials"},
	} {
		_, _, err := cli(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), fakegraph.ClientSecret) {
			t.Errorf("%q: the error shows the secret: %v", tc.args, err)
		}
	}
}

func TestDefaultProfile(t *testing.T) {
	f := newTenantFixture(t)
	writeProfiles(t, "[default]\nconnection = "+f.env.ConnString()+"\n")
	out, stderr, err := cli("query", "-f", "csv", "SELECT count(*) AS n FROM users")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if want := f.plainOutput(t, "csv", "SELECT count(*) AS n FROM users", formatOptions{}); out != want {
		t.Errorf("default profile: %s, want %s", out, want)
	}
}

func TestProfilesCommand(t *testing.T) {
	t.Setenv("SECRET", "hush-hush")
	path := writeProfiles(t, "[work]\nconnection = ClientSecret=${env:SECRET};ClientId=visible-id\n[default]\nClientId = c\n")
	out, _, err := cli("profiles")
	if err != nil {
		t.Fatal(err)
	}
	want := "Profiles in " + path + ":\n  work\n  default   (used when no -c, -p or $OUTLOOKSQL_CONNECTION is given)\n"
	if out != want {
		t.Errorf("profiles:\n%s\nwant\n%s", out, want)
	}

	missing := filepath.Join(t.TempDir(), "none.ini")
	t.Setenv("OUTLOOKSQL_CONFIG", missing)
	out, _, err = cli("profiles")
	if err != nil || !strings.HasPrefix(out, "No profiles file at "+missing+". Create it like this:\n\n[work]\n") {
		t.Errorf("profiles without a file: %v\n%s", err, out)
	}
}

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestConfigureWithoutSecretInSQL configures the extension in Debian's
// sqlite3 shell from $OUTLOOKSQL_CONNECTION and from named profiles, so
// that no secret appears in the SQL or in the result column's name (the
// shell prints it as the header); errors say where the connection came
// from and never show the secret.
func TestConfigureWithoutSecretInSQL(t *testing.T) {
	shell, so := extension(t)
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 9, Users: 1, MessagesPerUser: 15})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	n := strconv.Itoa(len(tenant.Users[0].Messages))

	dir := t.TempDir()
	profiles := filepath.Join(dir, "profiles.ini")
	ini := "[default]\nconnection = " + env.ConnString() + "\n\n[work]\nconnection = " + env.ConnString() + "\n"
	if err := os.WriteFile(profiles, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "none.ini")
	const badSecret = "Top-Secret-Value-42"
	notConfigured := regexp.QuoteMeta(`Runtime error near line 4: outlooksql: this connection is not configured: run SELECT outlooksql_configure() (it reads $OUTLOOKSQL_CONNECTION or the profile "default"; outlooksql_configure('NAME') reads the profile NAME); from Go, open it with the "outlook" database/sql driver`) + "\n$"

	tests := []struct {
		name   string
		env    []string
		call   string
		stdout string // with {n} for the number of messages
		stderr string // a regexp the whole stderr must match
	}{
		{"environment", []string{"OUTLOOKSQL_CONNECTION=" + env.ConnString(), "OUTLOOKSQL_CONFIG=" + missing},
			"outlooksql_configure()", "outlooksql_configure()\n1\nn\n{n}\n", ``},
		{"default profile", []string{"OUTLOOKSQL_CONFIG=" + profiles},
			"outlooksql_configure()", "outlooksql_configure()\n1\nn\n{n}\n", ``},
		{"named profile", []string{"OUTLOOKSQL_CONNECTION=" + env.ConnString(), "OUTLOOKSQL_CONFIG=" + profiles},
			"outlooksql_configure('work')", "outlooksql_configure('work')\n1\nn\n{n}\n", ``},
		{"nothing named", []string{"OUTLOOKSQL_CONFIG=" + missing},
			"outlooksql_configure()", "",
			`^Runtime error near line 3: outlooksql_configure: no connection: set OUTLOOKSQL_CONNECTION, add a \[default\] profile to ` + regexp.QuoteMeta(missing) + `, or name a profile: outlooksql_configure\('NAME'\)\n` +
				notConfigured},
		{"unknown profile", []string{"OUTLOOKSQL_CONFIG=" + profiles},
			"outlooksql_configure('home')", "",
			`^Runtime error near line 3: outlooksql_configure: no profile "home" in ` + regexp.QuoteMeta(profiles) + `: the profiles are default, work\n` +
				notConfigured},
		{"bad connection string in the environment", []string{"OUTLOOKSQL_CONNECTION=ClientSecret=" + badSecret + ";ClientIdd=x", "OUTLOOKSQL_CONFIG=" + missing},
			"outlooksql_configure()", "",
			`^Runtime error near line 3: outlooksql_configure: connection string of \$OUTLOOKSQL_CONNECTION: unknown key "ClientIdd" \(did you mean ClientId\?\)\n` +
				notConfigured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := strings.Join([]string{
				".load " + so,
				".headers on",
				"SELECT " + tt.call + ";",
				"SELECT count(*) AS n FROM messages;",
			}, "\n")
			stdout, stderr := runScript(t, shell, ":memory:", script, cleanEnv(tt.env)...)
			if want := strings.ReplaceAll(tt.stdout, "{n}", n); stdout != want {
				t.Errorf("stdout:\n%s\nwant:\n%s\nstderr: %s", stdout, want, stderr)
			}
			if !regexp.MustCompile(tt.stderr).MatchString(stderr) {
				t.Errorf("stderr:\n%s\nwant (regexp):\n%s", stderr, tt.stderr)
			}
			for _, secret := range []string{fakegraph.ClientSecret, badSecret} {
				if strings.Contains(stdout+stderr, secret) {
					t.Errorf("a secret shows in the shell's output")
				}
			}
		})
	}
}

// cleanEnv returns extra with the variables it sets, and any
// OUTLOOKSQL_* variable of the test's own environment, dropped from the
// inherited environment: runShell appends it to os.Environ, so unset them
// explicitly as empty when not set by the test.
func cleanEnv(extra []string) []string {
	out := append([]string(nil), extra...)
	for _, name := range []string{"OUTLOOKSQL_CONNECTION", "OUTLOOKSQL_CONFIG"} {
		set := false
		for _, e := range extra {
			if strings.HasPrefix(e, name+"=") {
				set = true
			}
		}
		if !set {
			out = append(out, name+"=")
		}
	}
	return out
}

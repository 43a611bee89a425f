package profile

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestUnknownKeySuggestion: a near miss of a connection-string key in a
// profile gets the same "did you mean" as in a connection string; a key
// near none lists them all.
func TestUnknownKeySuggestion(t *testing.T) {
	for _, tc := range []struct {
		line, want string
	}{
		{"Timout = 5", `p.ini:2: profile work: unknown key "Timout" (did you mean Timeout?)`},
		{"client_secret = x", `p.ini:2: profile work: unknown key "client_secret" (did you mean ClientSecret?)`},
		{"RefreshTokenFile = /t.json", `p.ini:2: profile work: unknown key "RefreshTokenFile": write connection = <connection string>, or one of the connection string's keys (` + keyNames() + ")"},
		{"Colour = blue", `p.ini:2: profile work: unknown key "Colour": write connection = <connection string>, or one of the connection string's keys (`},
	} {
		f, err := Parse("p.ini", []byte("[work]\n"+tc.line+"\n"))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v\nwant %s", tc.line, err, tc.want)
			continue
		}
		if p, _ := f.Get("work"); p != nil {
			t.Errorf("%q: profile work is usable", tc.line)
		}
	}
}

// TestResolveNoConnectionWithProblems: nothing names a connection, there is
// no [default], and another profile is broken: the error is still
// ErrNoConnection, and carries the file and its problems.
func TestResolveNoConnectionWithProblems(t *testing.T) {
	path := t.TempDir() + "/p.ini"
	if err := os.WriteFile(path, []byte("[work]\nTimout = 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lookup := func(k string) (string, bool) {
		if k == EnvConfig {
			return path, true
		}
		return "", false
	}
	_, err := Resolve("", "", lookup)
	var nc *NoConnectionError
	if !errors.Is(err, ErrNoConnection) || !errors.As(err, &nc) || nc.Path != path ||
		nc.Problems == nil || !strings.Contains(nc.Problems.Error(), `unknown key "Timout" (did you mean Timeout?)`) {
		t.Errorf("Resolve: %#v", err)
	}
}

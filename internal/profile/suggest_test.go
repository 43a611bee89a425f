package profile

import (
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

package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformedProfileBlocksNoOther: a profiles file with broken profiles
// still serves the good ones; using a broken one is an error that names the
// profile and its problem.
func TestMalformedProfileBlocksNoOther(t *testing.T) {
	file := filepath.Join(t.TempDir(), "profiles.ini")
	text := `[good]
connection = ClientId=good

[bad]
ClientSecrt = x

[junk]
not a key value line

[dup]
ClientId = 1
[dup]
ClientId = 2

[hdr
ClientId = h

[default]
ClientId = d
`
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := lookupIn(map[string]string{EnvConfig: file})
	for _, tc := range []struct{ profile, want, err string }{
		{"good", "ClientId=good;RefreshTokenFilePath=" + filepath.Join(filepath.Dir(file), "tokens", "good.json"), ""},
		{"", "ClientId=d;RefreshTokenFilePath=" + filepath.Join(filepath.Dir(file), "tokens", "default.json"), ""}, // the default profile
		{"bad", "", "profile bad cannot be used: " + file + `:5: profile bad: unknown key "ClientSecrt"`},
		{"junk", "", "profile junk cannot be used: " + file + ":8: expected [name] or key = value"},
		{"dup", "", "profile dup cannot be used: " + file + ":12: profile dup is defined twice (first on line 10)"},
		{"hdr", "", "profile hdr cannot be used: " + file + `:15: a section header ends with "]"`},
	} {
		got, err := Resolve("", tc.profile, vars)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("-p %s: error %v, want %q", tc.profile, err, tc.err)
			}
			continue
		}
		if err != nil || got.ConnString != tc.want {
			t.Errorf("-p %s: %+v, %v; want %q", tc.profile, got, err, tc.want)
		}
	}
}

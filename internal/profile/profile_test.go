package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/config"
)

const sample = `# outlooksql profiles
; also a comment

[work]
connection = TokenUrl=https://login.example/t/token;ClientId=abc;ClientSecret=${env:WORK_SECRET};RefreshTokenFilePath=~/.config/outlooksql/work.json

[archive]
AuthType     = ApplicationCredentials
userid       = archive@contoso.com
TokenUrl     = https://login.example/t/token
ClientId     = abc
ClientSecret = ${env:ARCHIVE_SECRET}

[default]
connection = ${env:WHOLE}
`

func lookupIn(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParse(t *testing.T) {
	f, err := Parse("p.ini", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Names(), ","); got != "work,archive,default" {
		t.Errorf("names %s", got)
	}
	a, err := f.Get("archive")
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{"AuthType", "ApplicationCredentials", 8},
		{"UserId", "archive@contoso.com", 9},
		{"TokenUrl", "https://login.example/t/token", 10},
		{"ClientId", "abc", 11},
		{"ClientSecret", "${env:ARCHIVE_SECRET}", 12},
	}
	if a.Line != 7 || len(a.Entries) != len(want) {
		t.Fatalf("archive: line %d, entries %+v", a.Line, a.Entries)
	}
	for i, e := range a.Entries {
		if e != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, e, want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"key before section", "connection = x\n", "p.ini:1: key = value before the first [name]"},
		{"no equals", "[a]\njunk\n", "p.ini:2: expected [name] or key = value"},
		{"bad header", "[a\n", "p.ini:1: a section header ends with \"]\""},
		{"bad name", "[a b]\n", `p.ini:1: profile name "a b"`},
		{"empty name", "[]\n", `p.ini:1: profile name ""`},
		{"twice", "[a]\n\n[a]\n", "p.ini:3: profile a is defined twice (first on line 1)"},
		{"unknown key", "[a]\nClientSecrt = x\n", `p.ini:2: profile a: unknown key "ClientSecrt" (did you mean ClientSecret?)`},
		{"unknown key near none", "[a]\nColour = x\n", `p.ini:2: profile a: unknown key "Colour": write connection = <connection string>, or one of the connection string's keys (Tenant, AuthUrl, TokenUrl,`},
		{"key twice", "[a]\nclientid = x\nClientId = y\n", "p.ini:3: profile a: ClientId is given twice (first on line 2)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.ini", []byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestConnString(t *testing.T) {
	vars := map[string]string{
		"WORK_SECRET":    "s3cr;et}",
		"ARCHIVE_SECRET": "plain",
		"WHOLE":          "TokenUrl=https://x/token;ClientId=c;RefreshTokenFilePath=/t.json",
		"EMPTY":          "",
	}
	for _, tc := range []struct {
		name, text, want, err string
	}{
		{"connection line, secret braced, ~ expanded", sample + "", "", ""},
		{"single keys", "[p]\nTokenUrl = https://x/token\nClientId = c\nClientSecret = ${env:ARCHIVE_SECRET}\nRefreshTokenFilePath = ~/tok.json\n",
			"TokenUrl=https://x/token;ClientId=c;ClientSecret=plain;RefreshTokenFilePath=/home/me/tok.json", ""},
		{"connection then keys", "[p]\nconnection = TokenUrl=https://x/token;ClientId=c\nRefreshTokenFilePath = /t.json\n",
			"TokenUrl=https://x/token;ClientId=c;RefreshTokenFilePath=/t.json", ""},
		{"env inside a value", "[p]\nconnection = ClientId=pre-${env:ARCHIVE_SECRET}-post;TokenUrl=https://x\n",
			"ClientId=pre-plain-post;TokenUrl=https://x", ""},
		{"braced value kept", "[p]\nconnection = ClientSecret={a;b}}c};ClientId=c\n",
			"ClientSecret={a;b}}c};ClientId=c", ""},
		{"~ only in RefreshTokenFilePath", "[p]\nconnection = ClientId=~/x;RefreshTokenFilePath={~/a;b}\n",
			"ClientId=~/x;RefreshTokenFilePath={/home/me/a;b}", ""},
		{"whole from env", "[p]\nconnection = ${env:WHOLE}\n", vars["WHOLE"], ""},
		{"unset variable", "[p]\n\nClientSecret = ${env:NOPE}\n", "", "p.ini:3: profile p: ClientSecret: environment variable NOPE is not set"},
		{"empty variable", "[p]\nconnection = ClientId=c;ClientSecret=${env:EMPTY}\n", "", "p.ini:2: profile p: connection: ClientSecret: environment variable EMPTY is empty"},
		{"unclosed", "[p]\nClientSecret = ${env:NOPE\n", "", `p.ini:2: profile p: ClientSecret: "${env:" has no closing "}"`},
		{"bad name", "[p]\nClientSecret = ${env:A B}\n", "", `p.ini:2: profile p: ClientSecret: ${env:A B}: not an environment variable's name`},
		{"empty profile", "[p]\n", "", "p.ini:1: profile p is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("p.ini", []byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			p := f.Profiles[0]
			got, err := p.ConnString(lookupIn(vars), "/home/me")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				for _, v := range vars {
					if v != "" && strings.Contains(err.Error(), v) {
						t.Errorf("error shows a variable's value: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" { // the sample's work profile
				tc.want = "TokenUrl=https://login.example/t/token;ClientId=abc;ClientSecret={s3cr;et}}};RefreshTokenFilePath=/home/me/.config/outlooksql/work.json"
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestConnStringParses checks that the expanded string means to
// config.Parse what the profile says, a secret with ";" and "}" included.
func TestConnStringParses(t *testing.T) {
	f, err := Parse("p.ini", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := f.Get("work")
	s, err := p.ConnString(lookupIn(map[string]string{"WORK_SECRET": "s3cr;et}"}), "/home/me")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientSecret != "s3cr;et}" || cfg.RefreshTokenFilePath != "/home/me/.config/outlooksql/work.json" || cfg.ClientID != "abc" {
		t.Errorf("parsed %+v", cfg)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "profiles.ini")
	text := "[work]\nconnection = ClientId=work\n\n[default]\nconnection = ClientId=dflt\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	noDefault := filepath.Join(dir, "nodefault.ini")
	if err := os.WriteFile(noDefault, []byte("[work]\nconnection = ClientId=work\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.ini")
	if err := os.WriteFile(broken, []byte("[work]\nnonsense\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.ini")
	for _, tc := range []struct {
		name          string
		conn, profile string
		vars          map[string]string
		want, from    string
		err           string
		noConn        bool
	}{
		{name: "-c wins over everything", conn: "ClientId=flag", profile: "work",
			vars: map[string]string{EnvConfig: file, EnvConnection: "ClientId=env"}, want: "ClientId=flag", from: "-c"},
		{name: "-c needs no file", conn: "ClientId=flag", vars: map[string]string{EnvConfig: broken}, want: "ClientId=flag", from: "-c"},
		{name: "-p wins over the environment", profile: "work",
			vars: map[string]string{EnvConfig: file, EnvConnection: "ClientId=env"}, want: "ClientId=work;RefreshTokenFilePath=" + filepath.Join(filepath.Dir(file), "tokens", "work.json"), from: "profile work (" + file + ":1)"},
		{name: "environment wins over default", vars: map[string]string{EnvConfig: file, EnvConnection: "ClientId=env"},
			want: "ClientId=env", from: "$OUTLOOKSQL_CONNECTION"},
		{name: "default profile last", vars: map[string]string{EnvConfig: file},
			want: "ClientId=dflt;RefreshTokenFilePath=" + filepath.Join(filepath.Dir(file), "tokens", "default.json"), from: "profile default (" + file + ":4)"},
		{name: "nothing: no default profile", vars: map[string]string{EnvConfig: noDefault}, noConn: true},
		{name: "nothing: no file", vars: map[string]string{EnvConfig: missing}, noConn: true},
		{name: "unknown profile lists the known", profile: "home", vars: map[string]string{EnvConfig: file},
			err: `no profile "home" in ` + file + `: the profiles are work, default`},
		{name: "-p without a file", profile: "work", vars: map[string]string{EnvConfig: missing},
			err: `no profile "work": there is no profiles file ` + missing},
		{name: "broken file named with -p", profile: "work", vars: map[string]string{EnvConfig: broken},
			err: broken + ":2: expected [name] or key = value"},
		{name: "broken file, falling back to default", vars: map[string]string{EnvConfig: broken},
			err: broken + ":2: expected [name] or key = value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(tc.conn, tc.profile, lookupIn(tc.vars))
			switch {
			case tc.noConn:
				if !errors.Is(err, ErrNoConnection) {
					t.Fatalf("error %v, want ErrNoConnection", err)
				}
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case got != Choice{ConnString: tc.want, From: tc.from}:
				t.Errorf("got %+v, want %q from %q", got, tc.want, tc.from)
			}
		})
	}
}

func TestPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("HOME", "/home/me")
	got, err := Path(lookupIn(nil))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := os.UserConfigDir() // $XDG_CONFIG_HOME on Linux
	if want := filepath.Join(dir, "outlooksql", "profiles.ini"); got != want {
		t.Errorf("Path %s, want %s", got, want)
	}
	got, _ = Path(lookupIn(map[string]string{EnvConfig: "/elsewhere.ini"}))
	if got != "/elsewhere.ini" {
		t.Errorf("Path with %s: %s", EnvConfig, got)
	}
}

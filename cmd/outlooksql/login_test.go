package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/oracle"
)

// loginFixture is a fake tenant with a plain SQLite copy of its data, and
// a token file path that does not exist yet.
type loginFixture struct {
	env       *demo.Env
	plain     *sql.DB
	tokenFile string
}

func newLoginFixture(t *testing.T, opts ...fakegraph.Option) *loginFixture {
	t.Helper()
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 7, Users: 3, MessagesPerUser: 120})
	env, err := demo.Start(tenant, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	plain, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	plain.SetMaxOpenConns(1)
	t.Cleanup(func() { plain.Close() })
	if err := oracle.Load(plain, tenant, env.User); err != nil {
		t.Fatal(err)
	}
	return &loginFixture{env: env, plain: plain, tokenFile: filepath.Join(t.TempDir(), "tokens", "token.json")}
}

// connString points at the fake with the fixture's new token file.
func (f *loginFixture) connString(extra ...string) string {
	s := f.env.Server
	return strings.Join(append([]string{
		"BaseUrl=" + s.GraphURL(), "TokenUrl=" + s.TokenURL(), "AuthUrl=" + s.AuthURL(),
		"ClientId=" + fakegraph.ClientID, "ClientSecret=" + fakegraph.ClientSecret,
		"RefreshTokenFilePath=" + f.tokenFile,
	}, extra...), ";")
}

// sameAsOracle runs query through the CLI with connStr and plain over the
// copy, and compares the JSON.
func (f *loginFixture) sameAsOracle(t *testing.T, connStr, query, plain string) {
	t.Helper()
	got, stderr, err := cli("query", "-f", "json", "-c", connStr, query)
	if err != nil {
		t.Fatalf("query: %v\n%s", err, stderr)
	}
	rows, err := f.plain.Query(plain)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var want bytes.Buffer
	n, err := writeRows(&want, "json", rows, formatOptions{})
	if err != nil || n == 0 {
		t.Fatalf("oracle: %d rows, %v", n, err)
	}
	if got != want.String() {
		t.Errorf("JSON differs\n got %.1500s\nwant %.1500s", got, want.String())
	}
}

// checkTokenFile checks the file is private and holds a refresh token.
func checkTokenFile(t *testing.T, path string) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !regexp.MustCompile(`"refresh_token": "1\.AQ[^"]+"`).Match(b) || !regexp.MustCompile(`"access_token": "eyJ[^"]+"`).Match(b) {
		t.Errorf("token file lacks the tokens")
	}
}

// useBrowser makes runLogin open URLs with open (nil: no browser).
func useBrowser(t *testing.T, open func(string) error) {
	saved := browserOpener
	browserOpener = func() func(string) error { return open }
	t.Cleanup(func() { browserOpener = saved })
}

// follow is a browser for a fake that auto-approves: it follows the URL
// and its redirects; the last page goes to pages.
func follow(pages chan<- string) func(string) error {
	return func(u string) error {
		go func() {
			resp, err := http.Get(u)
			if err != nil {
				pages <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			pages <- string(b)
		}()
		return nil
	}
}

// watcher is a terminal: it keeps what is written and calls on, once, with
// the first match of re.
type watcher struct {
	re   *regexp.Regexp
	on   func(match []string)
	mu   sync.Mutex
	buf  bytes.Buffer
	done bool
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := w.re.FindStringSubmatch(w.buf.String()); m != nil && !w.done {
		w.done = true
		go w.on(m)
	}
	return len(p), nil
}

func (w *watcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func login(t *testing.T, stdin io.Reader, stderr io.Writer, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	err := runLogin(ctx, args, stdin, &out, stderr)
	return out.String(), err
}

const allGranted = "Granted: email, Mail.Read, Mail.Read.Shared, Mail.ReadBasic, Mail.ReadBasic.Shared, openid, profile, User.Read, User.ReadBasic.All, Mail.ReadWrite, Mail.ReadWrite.Shared, Mail.Send, Mail.Send.Shared, offline_access\n"

func TestLoginLoopback(t *testing.T) {
	f := newLoginFixture(t)
	f.env.Server.SetAutoApprove(f.env.User)
	pages := make(chan string, 1)
	useBrowser(t, follow(pages))
	cs := f.connString("ReturnUrl=http://127.0.0.1:0/callback", "ExtraAttributesForAuthRequest=prompt=consent")
	var stderr bytes.Buffer
	out, err := login(t, nil, &stderr, "-c", cs)
	if err != nil {
		t.Fatalf("login: %v\n%s", err, stderr.String())
	}
	want := "Signed in as " + f.env.User + ".\nToken file: " + f.tokenFile + "\n" + allGranted + defaultMissing
	if out != want {
		t.Errorf("stdout\n%s\nwant\n%s", out, want)
	}
	if p := <-pages; !strings.Contains(p, "Signed in. You can close this window") {
		t.Errorf("browser page:\n%s", p)
	}
	if !strings.Contains(stderr.String(), "Sign in to Microsoft in your browser:\n\n  "+f.env.Server.AuthURL()+"?") || !strings.Contains(stderr.String(), "prompt=consent") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	checkTokenFile(t, f.tokenFile)
	f.sameAsOracle(t, cs, `SELECT id, subject, from_address, received_date_time FROM messages ORDER BY id`,
		`SELECT id, subject, from_address, received_date_time FROM messages WHERE user_id = 'me' AND folder_id IS NULL ORDER BY id`)

	// A revoked sign-in says what to run.
	f.env.Server.RevokeUser(f.env.User)
	_, _, err = cli("query", "-c", cs, "SELECT id FROM messages LIMIT 1")
	if want := `auth: sign-in expired or revoked (AADSTS700082): run "outlooksql login -c '<the same connection string>'" to sign in again`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("query after revocation: %v, want %s", err, want)
	}
}

const addThem = `Add them to Scope and run "outlooksql login" again (some may need an administrator's consent).` + "\n"

// settingsMissing is login's line for MailboxSettings.Read, which the
// default Scope lacks.
const settingsMissing = "  MailboxSettings.Read: the message_rules, master_categories and mailbox_settings tables\n"

// defaultMissing is what login reports after a sign-in with the default
// Scope: everything granted but MailboxSettings.Read.
const defaultMissing = "Not granted, so some queries will fail:\n" + settingsMissing + addThem

func TestLoginNarrowScope(t *testing.T) {
	f := newLoginFixture(t)
	f.env.Server.SetAutoApprove(f.env.User)
	useBrowser(t, follow(make(chan string, 1)))
	cs := f.connString("ReturnUrl=http://localhost:0/", "Scope=offline_access~Mail.ReadBasic~User.Read")
	out, err := login(t, nil, io.Discard, "-c", cs)
	if err != nil {
		t.Fatal(err)
	}
	want := "Signed in as " + f.env.User + ".\nToken file: " + f.tokenFile + "\nGranted: Mail.ReadBasic, User.Read, offline_access\n" +
		"Not granted, so some queries will fail:\n" +
		"  Mail.Read: message bodies (body, body_preview, unique_body) and the attachments table\n" +
		"  Mail.Read.Shared: other users' mailboxes (user_id other than me)\n" +
		"  User.ReadBasic.All: the users table\n" + settingsMissing + addThem
	if out != want {
		t.Errorf("stdout\n%s\nwant\n%s", out, want)
	}
	f.sameAsOracle(t, cs, `SELECT id, subject FROM messages WHERE folder_id = 'inbox' ORDER BY id`,
		`SELECT id, subject FROM messages WHERE user_id = 'me' AND folder_id = 'inbox' ORDER BY id`)
}

func TestLoginWithoutUserRead(t *testing.T) {
	f := newLoginFixture(t)
	f.env.Server.SetAutoApprove(f.env.User)
	useBrowser(t, follow(make(chan string, 1)))
	for _, tc := range []struct{ scope, who string }{
		{"offline_access~Mail.Read", "Signed in, but could not tell as whom: auth: reading " + f.env.Server.GraphURL() + "/me: 403 Forbidden Authorization_RequestDenied: Insufficient privileges to complete the operation.\n"},
		{"offline_access~openid~Mail.Read", "Signed in as " + f.env.User + ".\n"},
	} {
		out, err := login(t, nil, io.Discard, "-c", f.connString("ReturnUrl=http://127.0.0.1:0/", "Scope="+tc.scope))
		if err != nil {
			t.Fatal(err)
		}
		granted := "Mail.Read, offline_access"
		if strings.Contains(tc.scope, "openid") {
			granted = "openid, " + granted
		}
		want := tc.who + "Token file: " + f.tokenFile + "\nGranted: " + granted + "\n" +
			"Not granted, so some queries will fail:\n" +
			"  Mail.Read.Shared: other users' mailboxes (user_id other than me)\n" +
			"  User.ReadBasic.All: the users table\n" + settingsMissing + addThem
		if out != want {
			t.Errorf("Scope=%s: stdout\n%s\nwant\n%s", tc.scope, out, want)
		}
	}
}

func TestLoginPasteAddress(t *testing.T) {
	for _, bare := range []bool{false, true} {
		name := "whole address"
		if bare {
			name = "bare code"
		}
		t.Run(name, func(t *testing.T) {
			f := newLoginFixture(t)
			f.env.Server.SetAutoApprove(f.env.User)
			useBrowser(t, func(string) error { t.Error("--no-browser opened a browser"); return nil })
			stdin, paste := io.Pipe()
			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			// The user opens the printed address; the browser ends on the
			// native-client page; the user copies its address back.
			term := &watcher{re: regexp.MustCompile(`\n  (http\S+)\n`), on: func(m []string) {
				resp, err := noFollow.Get(m[1])
				if err != nil {
					paste.CloseWithError(err)
					return
				}
				resp.Body.Close()
				loc, _ := url.Parse(resp.Header.Get("Location"))
				s := loc.String()
				if bare {
					s = loc.Query().Get("code")
				}
				io.WriteString(paste, s+"\n")
			}}
			cs := f.connString("ReturnUrl=" + fakegraph.NativeClientRedirect)
			out, err := login(t, stdin, term, "--no-browser", "--connection", cs)
			if err != nil {
				t.Fatalf("login: %v\n%s", err, term.String())
			}
			if want := "Signed in as " + f.env.User + ".\nToken file: " + f.tokenFile + "\n" + allGranted + defaultMissing; out != want {
				t.Errorf("stdout\n%s\nwant\n%s", out, want)
			}
			if !strings.Contains(term.String(), "Paste that whole address, or just the code, and press Enter:") {
				t.Errorf("stderr:\n%s", term.String())
			}
			checkTokenFile(t, f.tokenFile)
			f.sameAsOracle(t, cs, `SELECT display_name, mail FROM users ORDER BY display_name`, `SELECT display_name, mail FROM users ORDER BY display_name`)
		})
	}
}

func TestLoginNoBrowserLoopback(t *testing.T) {
	f := newLoginFixture(t)
	f.env.Server.SetAutoApprove(f.env.User)
	useBrowser(t, func(string) error { t.Error("--no-browser opened a browser"); return nil })
	pages := make(chan string, 1)
	term := &watcher{re: regexp.MustCompile(`\n  (http\S+)\n`), on: func(m []string) { follow(pages)(m[1]) }}
	if _, err := login(t, nil, term, "--no-browser", "-c", f.connString("ReturnUrl=http://127.0.0.1:0/cb")); err != nil {
		t.Fatalf("login: %v\n%s", err, term.String())
	}
	<-pages
	checkTokenFile(t, f.tokenFile)
}

func TestLoginDeviceCode(t *testing.T) {
	f := newLoginFixture(t, fakegraph.WithDeviceCodeInterval(time.Second))
	s := f.env.Server
	approved := make(chan error, 1)
	term := &watcher{re: regexp.MustCompile(`open the page (\S+) and enter the code (\w+) to authenticate`), on: func(m []string) {
		if m[1] != s.DeviceLoginURL() {
			approved <- nil
			return
		}
		approved <- s.ApproveDeviceCode(m[2], f.env.User)
	}}
	cs := f.connString("Scope=offline_access~Mail.Read~User.Read~User.ReadBasic.All")
	out, err := login(t, nil, term, "--device-code", "-c", cs)
	if err != nil {
		t.Fatalf("login: %v\n%s", err, term.String())
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	want := "Signed in as " + f.env.User + ".\nToken file: " + f.tokenFile + "\nGranted: Mail.Read, User.Read, User.ReadBasic.All, offline_access\n" +
		"Not granted, so some queries will fail:\n" +
		"  Mail.Read.Shared: other users' mailboxes (user_id other than me)\n" + settingsMissing + addThem
	if out != want {
		t.Errorf("stdout\n%s\nwant\n%s", out, want)
	}
	checkTokenFile(t, f.tokenFile)
	f.sameAsOracle(t, cs, `SELECT m.subject, a.name, a.size FROM messages m JOIN attachments a ON a.message_id = m.id WHERE m.has_attachments = 1 ORDER BY m.id, a.id`,
		`SELECT m.subject, a.name, a.size FROM messages m JOIN attachments a ON a.message_id = m.id AND a.user_id = 'me' WHERE m.user_id = 'me' AND m.folder_id IS NULL AND m.has_attachments = 1 ORDER BY m.id, a.id`)
}

func TestLoginErrors(t *testing.T) {
	t.Setenv("OUTLOOKSQL_CONNECTION", "")
	useBrowser(t, nil)
	base := "TokenUrl=https://login.example/t/oauth2/v2.0/token;ClientId=c;RefreshTokenFilePath=" + filepath.Join(t.TempDir(), "t.json")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no connection", nil, `no connection: give -c "<connection string>" or -p PROFILE, set OUTLOOKSQL_CONNECTION, or add a [default] profile to `},
		{"argument", []string{"-c", base, "now"}, `login takes no arguments (got "now"): see 'outlooksql help'`},
		{"unknown flag", []string{"--frob"}, "login: unknown flag: --frob: see 'outlooksql help'"},
		{"bad connection string", []string{"-c", "ClientSecrt=x"}, "connection string: "},
		{"app-only", []string{"-c", "AuthType=ApplicationCredentials;UserId=a@b;ClientSecret=s;" + base}, "login is for AuthType=UserCredentials: AuthType=ApplicationCredentials (app-only) needs no sign-in"},
		{"no AuthUrl", []string{"--browser", "-c", base}, "AuthUrl is required to sign in in a browser (e.g. https://login.microsoftonline.com/common/oauth2/v2.0/authorize), or Tenant=… to derive it; or use --device-code"},
		{"device and browser", []string{"--device-code", "--no-browser", "-c", base}, "--device-code and --no-browser ask for different sign-ins: give one of them: see 'outlooksql help'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := login(t, nil, io.Discard, tc.args...)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
}

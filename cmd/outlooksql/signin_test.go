package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/auth"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

func TestBrowserBlocker(t *testing.T) {
	const ssh, noDisplay = "this is an SSH session", "there is no graphical display (DISPLAY and WAYLAND_DISPLAY are not set)"
	for _, tc := range []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", map[string]string{"DISPLAY": ":0"}, ""},
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, ""},
		{"linux", nil, noDisplay},
		{"freebsd", nil, noDisplay},
		{"linux", map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}, ssh}, // X forwarding: az still uses a code
		{"linux", map[string]string{"SSH_TTY": "/dev/pts/1"}, ssh},
		{"darwin", nil, ""},
		{"darwin", map[string]string{"SSH_CONNECTION": "a b c d"}, ssh},
		{"windows", nil, ""},
		{"windows", map[string]string{"SSH_TTY": "x"}, ssh},
	} {
		got := browserBlocker(tc.goos, func(k string) string { return tc.env[k] })
		if got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.goos, tc.env, got, tc.want)
		}
	}
}

func TestChooseFlow(t *testing.T) {
	for _, tc := range []struct {
		device, browser, canOpen bool
		want                     signInFlow
	}{
		{false, false, true, flowBrowser},
		{false, false, false, flowDevice}, // no browser can open: a code
		{true, false, true, flowDevice},   // --device-code wins
		{false, true, false, flowBrowser}, // --browser (or --no-browser) wins
		{true, false, false, flowDevice},
	} {
		if got := chooseFlow(tc.device, tc.browser, tc.canOpen); got != tc.want {
			t.Errorf("chooseFlow(device=%v, browser=%v, canOpen=%v) = %v, want %v", tc.device, tc.browser, tc.canOpen, got, tc.want)
		}
	}
}

func TestWriteScopes(t *testing.T) {
	read := []string{"offline_access", "User.Read", "Mail.Read"}
	if wantsWrites(false, read) || !wantsWrites(true, read) || !wantsWrites(false, []string{"mail.send"}) || !wantsWrites(false, []string{"Mail.ReadWrite.Shared"}) {
		t.Error("wantsWrites")
	}
	if got := withWriteScopes(read); !slices.Equal(got, []string{"offline_access", "User.Read", "Mail.Read", "Mail.ReadWrite", "Mail.Send"}) || len(read) != 3 {
		t.Errorf("withWriteScopes: %v (input %v)", got, read)
	}
	if got := withWriteScopes([]string{"mail.readwrite.shared", "Mail.Send"}); !slices.Equal(got, []string{"mail.readwrite.shared", "Mail.Send"}) {
		t.Errorf("withWriteScopes keeps what grants the writes: %v", got)
	}
	if got := missingWrites([]string{"Mail.Send.Shared"}); len(got) != 1 || got[0].Scope != "Mail.ReadWrite" {
		t.Errorf("missingWrites: %v", got)
	}
}

// TestLoginWriteScopes: --write asks for Mail.ReadWrite and Mail.Send on
// top of a read-only Scope; the hint on stderr is the least scope for the
// sign-in's purpose; a Scope with one write permission gets the other
// listed as not granted.
func TestLoginWriteScopes(t *testing.T) {
	f := newLoginFixture(t)
	f.env.Server.SetAutoApprove(f.env.User)
	useBrowser(t, follow(make(chan string, 1)))
	const readOnly = "Scope=offline_access~User.Read~Mail.Read"
	readHint := "Least scope for reading your own mail: Scope=offline_access~User.Read~Mail.Read; sign in with --write to change or send mail.\n"
	writeHint := "Least scope for reading, changing and sending your own mail: Scope=offline_access~User.Read~Mail.ReadWrite~Mail.Send.\n"
	readMissing := "  Mail.Read.Shared: other users' mailboxes (user_id other than me)\n" +
		"  User.ReadBasic.All: the users table\n" + settingsMissing
	for _, tc := range []struct {
		name    string
		args    []string
		granted string
		missing string
		hint    string
	}{
		{"read-only", []string{"-c", f.connString("ReturnUrl=http://127.0.0.1:0/", readOnly)},
			"User.Read, Mail.Read, offline_access", readMissing, readHint},
		{"--write", []string{"--write", "-c", f.connString("ReturnUrl=http://127.0.0.1:0/", readOnly)},
			"User.Read, Mail.Read, Mail.ReadWrite, Mail.Send, offline_access", readMissing, writeHint},
		{"Scope with Mail.Send only", []string{"-c", f.connString("ReturnUrl=http://127.0.0.1:0/", readOnly+"~Mail.Send")},
			"User.Read, Mail.Read, Mail.Send, offline_access",
			readMissing + "  Mail.ReadWrite: changing mail (UPDATE, INSERT and DELETE on messages and mail_folders)\n", writeHint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			out, err := login(t, nil, &stderr, tc.args...)
			if err != nil {
				t.Fatalf("login: %v\n%s", err, stderr.String())
			}
			want := "Signed in as " + f.env.User + ".\nToken file: " + f.tokenFile + "\nGranted: " + tc.granted + "\n" +
				"Not granted, so some queries will fail:\n" + tc.missing + addThem
			if out != want {
				t.Errorf("stdout\n%s\nwant\n%s", out, want)
			}
			if !strings.HasSuffix(stderr.String(), tc.hint) {
				t.Errorf("stderr ends\n%s\nwant the hint\n%s", lastLines(stderr.String(), 2), tc.hint)
			}
		})
	}
}

// TestLoginPicksDeviceCode runs the real binary in an SSH session (with a
// display, as with X forwarding): login signs in with a device code by
// itself and says why; the user approves the code on "another device".
func TestLoginPicksDeviceCode(t *testing.T) {
	f := newLoginFixture(t, fakegraph.WithDeviceCodeInterval(time.Second))
	s := f.env.Server
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "login", "-c", f.connString())
	cmd.Env = append(os.Environ(), "OUTLOOKSQL_TEST_MAIN=1", "SSH_CONNECTION=10.0.0.1 50000 10.0.0.2 22", "DISPLAY=:0")
	var stdout bytes.Buffer
	approved := make(chan error, 1)
	term := &watcher{re: regexp.MustCompile(`open the page (\S+) and enter the code (\w+) to authenticate`), on: func(m []string) {
		approved <- s.ApproveDeviceCode(m[2], f.env.User)
	}}
	cmd.Stdout, cmd.Stderr = &stdout, term
	if err := cmd.Run(); err != nil {
		t.Fatalf("login: %v\n%s", err, term.String())
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	if want := "No browser can open here (this is an SSH session): signing in with a code on another device. (--browser signs in in a browser anyway.)\n"; !strings.HasPrefix(term.String(), want) {
		t.Errorf("stderr\n%s\nwant it to start\n%s", term.String(), want)
	}
	if want := "Signed in as " + f.env.User + ".\nToken file: " + f.tokenFile + "\n" + allGranted + defaultMissing; stdout.String() != want {
		t.Errorf("stdout\n%s\nwant\n%s", stdout.String(), want)
	}
	checkTokenFile(t, f.tokenFile)
}

// TestProfileDefaultTokenFile: a profile without RefreshTokenFilePath signs
// in to tokens/NAME.json beside the profiles file (file 0600, folder 0700),
// each profile to its own; whoami reads it; logout removes it.
func TestProfileDefaultTokenFile(t *testing.T) {
	f := newLoginFixture(t, fakegraph.WithDeviceCodeInterval(time.Second))
	s := f.env.Server
	keys := "TokenUrl = " + s.TokenURL() + "\nBaseUrl = " + s.GraphURL() + "\nClientId = " + fakegraph.ClientID + "\nClientSecret = " + fakegraph.ClientSecret + "\n"
	second := f.env.Tenant.Users[1]
	path := writeProfiles(t, "[work]\n"+keys+"[home]\n"+keys+"[Work]\n"+keys+"[cloud]\nTenant = contoso.onmicrosoft.com\nClientId = "+fakegraph.ClientID+"\n")
	dir := filepath.Join(filepath.Dir(path), "tokens")
	signIn := func(profile, upn string) {
		t.Helper()
		term := &watcher{re: regexp.MustCompile(`enter the code (\w+) to authenticate`), on: func(m []string) { s.ApproveDeviceCode(m[1], upn) }}
		out, err := login(t, nil, term, "--device-code", "-p", profile)
		if err != nil {
			t.Fatalf("login -p %s: %v\n%s", profile, err, term.String())
		}
		if !strings.HasPrefix(out, "Signed in as "+upn+".\nToken file: "+filepath.Join(dir, profile)) {
			t.Errorf("login -p %s:\n%s", profile, out)
		}
	}
	signIn("work", f.env.User)
	signIn("home", second.UserPrincipalName)
	signIn("Work", second.UserPrincipalName)
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	if len(names) != 3 || names[0] != "Work-"+names[0][5:] || names[1] != "home.json" || names[2] != "work.json" {
		t.Errorf("token files %v, want Work-<digest>.json, home.json, work.json", names)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("tokens folder: %v, %v; want mode 0700", st.Mode(), err)
	}
	checkTokenFile(t, filepath.Join(dir, "work.json"))

	// Each profile is its own sign-in.
	for _, tc := range []struct{ profile, upn string }{{"work", f.env.User}, {"home", second.UserPrincipalName}} {
		out, _, err := cli("whoami", "-p", tc.profile)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "<"+tc.upn+">\n") || !strings.Contains(out, "Token file: "+filepath.Join(dir, tc.profile+".json")+"\n") {
			t.Errorf("whoami -p %s:\n%s", tc.profile, out)
		}
	}

	out, _, err := cli("logout", "-p", "work")
	if want := "Signed out: removed the token file " + filepath.Join(dir, "work.json") + ".\n"; err != nil || out != want {
		t.Errorf("logout: %q, %v; want %q", out, err, want)
	}
	out, _, err = cli("logout", "-p", "work")
	if want := "Nothing to forget: there is no token file " + filepath.Join(dir, "work.json") + ".\n"; err != nil || out != want {
		t.Errorf("logout again: %q, %v; want %q", out, err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "home.json")); err != nil {
		t.Errorf("logout -p work removed home's tokens: %v", err)
	}
	_, _, err = cli("whoami", "-p", "work")
	if want := `does not exist: run "outlooksql login -p work" to sign in and create it`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("whoami after logout: %v, want %s", err, want)
	}
	// Tenant and ClientId are all a profile needs; nothing is asked of
	// Microsoft before the token file exists.
	_, _, err = cli("whoami", "-p", "cloud")
	if want := "auth: RefreshTokenFilePath " + filepath.Join(dir, "cloud.json") + ` does not exist: run "outlooksql login -p cloud" to sign in and create it`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("whoami -p cloud: %v, want %s", err, want)
	}
}

// TestWhoamiDemo: whoami on the demo tenant shows the user, the tenant,
// what was granted and the expiry, and never a token; the demo writes
// nothing under the user's config folder.
func TestWhoamiDemo(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	tenant := fakegraph.Demo()
	u := tenant.Users[0]
	out, _, err := cli("whoami", "--demo")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^User:       ` + regexp.QuoteMeta(u.DisplayName+" <"+u.UserPrincipalName+">") + `
User id:    ` + regexp.QuoteMeta(u.ID) + `
Tenant:     ` + regexp.QuoteMeta(tenant.ID) + `
Granted:    email, openid, profile, Mail\.Read, Mail\.Read\.Shared, Mail\.ReadBasic, Mail\.ReadBasic\.Shared, Mail\.ReadWrite, Mail\.ReadWrite\.Shared, Mail\.Send, Mail\.Send\.Shared, User\.Read, User\.ReadBasic\.All, MailboxSettings\.Read, offline_access
Expires:    \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in (59m|1h0?m?|1h)\)
Token file: \S+/outlooksql-demo-\w+/token\.json
Connection: --demo
$`)
	if !re.MatchString(out) {
		t.Errorf("whoami --demo:\n%s\nwant to match\n%s", out, re)
	}
	if strings.Contains(out, "eyJ") || strings.Contains(out, "1.AQ") {
		t.Errorf("whoami shows a token:\n%s", out)
	}
	if entries, _ := os.ReadDir(config); len(entries) != 0 {
		t.Errorf("the demo wrote under the config folder: %v", entries)
	}
	if m := regexp.MustCompile(`Token file: (\S+)`).FindStringSubmatch(out); m != nil {
		if _, err := os.Stat(filepath.Dir(m[1])); !os.IsNotExist(err) {
			t.Errorf("the demo's token folder is still there: %v", err)
		}
	}
}

// TestWhoamiApp: app-only shows the app, the mailbox and the roles.
func TestWhoamiApp(t *testing.T) {
	env, err := demo.Start(fakegraph.Demo())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cs := env.AppConnString("adele@contoso.onmicrosoft.com")
	out, _, err := cli("whoami", "-c", cs)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^App:        ` + fakegraph.ClientID + ` \(AuthType=ApplicationCredentials: app-only, no signed-in user\)
Mailbox:    adele@contoso\.onmicrosoft\.com \(UserId, the default mailbox\)
Tenant:     ` + regexp.QuoteMeta(env.Tenant.ID) + `
Roles:      Mail\.Read, User\.Read\.All
Expires:    .* UTC \(in .*\)
Connection: -c
$`)
	if !re.MatchString(out) {
		t.Errorf("whoami app-only:\n%s\nwant to match\n%s", out, re)
	}
	if strings.Contains(out, fakegraph.ClientSecret) || strings.Contains(out, "eyJ") {
		t.Errorf("whoami shows a secret:\n%s", out)
	}
	out, _, err = cli("logout", "-c", cs)
	if want := "Nothing to forget: AuthType=ApplicationCredentials keeps no tokens (the app signs in with its ClientSecret each time).\n"; err != nil || out != want {
		t.Errorf("logout app-only: %q, %v", out, err)
	}
}

// TestWhoamiWithoutUserRead: without User.Read, /me fails; whoami still
// shows the rest, and says why the user is not known.
func TestWhoamiWithoutUserRead(t *testing.T) {
	env, err := demo.Start(fakegraph.Demo())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	rt := env.Server.IssueRefreshTokenFor(fakegraph.ClientID, env.User, "offline_access", "Mail.Read")
	os.WriteFile(env.TokenFile, []byte(`{"access_token": "", "refresh_token": "`+rt+`", "expires_in": 0}`), 0o600)
	out, _, err := cli("whoami", "-c", env.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "User:       not known: auth: reading "+env.Server.GraphURL()+"/me: 403 Forbidden Authorization_RequestDenied: Insufficient privileges to complete the operation. (reading /me needs User.Read)\nTenant:     "+env.Tenant.ID+"\nGranted:    Mail.Read, offline_access\n") {
		t.Errorf("whoami without User.Read:\n%s", out)
	}
	// The token file now says what was granted.
	tok, err := auth.TokenFile{Path: env.TokenFile}.Load()
	if err != nil || tok.Extra("scope") != "Mail.Read" {
		t.Errorf("token file scope %v, %v", tok.Extra("scope"), err)
	}
}

func TestSigninCommandsHelpAndErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"whoami", "--help"}, whoamiUsage},
		{[]string{"whoami", "-h"}, whoamiUsage},
		{[]string{"logout", "--help"}, logoutUsage},
		{[]string{"login", "--help"}, loginUsage},
	} {
		out, stderr, err := cli(tc.args...)
		if err != nil || out != tc.want || stderr != "" {
			t.Errorf("%v: stdout %.60q, stderr %q, %v", tc.args, out, stderr, err)
		}
	}
	t.Setenv("OUTLOOKSQL_CONFIG", filepath.Join(t.TempDir(), "none.ini"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"whoami", "now"}, `whoami takes no arguments (got "now"): see 'outlooksql help'`},
		{[]string{"logout", "x"}, `logout takes no arguments (got "x"): see 'outlooksql help'`},
		{[]string{"whoami", "--demo", "-p", "work"}, "--demo and -c/-p both name a connection: give one of them: see 'outlooksql help'"},
		{[]string{"logout", "--demo"}, "logout: unknown flag: --demo: see 'outlooksql help'"},
		{[]string{"logout"}, `no connection: give -c "<connection string>" or -p PROFILE`},
		{[]string{"whoami", "-c", "Tenant=contoso;ClientId=c"}, `connection string: Tenant: "contoso" is not a tenant: give a tenant id`},
	} {
		_, _, err := cli(tc.args...)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %s", tc.args, err, tc.want)
		}
	}
}

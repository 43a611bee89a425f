package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/config"
)

// TestLoginAsksForMailboxSettings: with MailboxSettings.Read added to the
// default Scope, login asks for it, it is granted, nothing is reported
// missing, and the settings tables read with the new token.
func TestLoginAsksForMailboxSettings(t *testing.T) {
	f := newLoginFixture(t)
	f.env.Server.SetAutoApprove(f.env.User)
	useBrowser(t, follow(make(chan string, 1)))
	cs := f.connString("ReturnUrl=http://127.0.0.1:0/callback", "Scope="+config.DefaultScope+"MailboxSettings.Read")
	var stderr bytes.Buffer
	out, err := login(t, nil, &stderr, "-c", cs)
	if err != nil {
		t.Fatalf("login: %v\n%s", err, stderr.String())
	}
	want := "Signed in as " + f.env.User + ".\nToken file: " + f.tokenFile + "\n" +
		strings.Replace(allGranted, ", offline_access\n", ", MailboxSettings.Read, offline_access\n", 1)
	if out != want {
		t.Errorf("stdout\n%s\nwant\n%s", out, want)
	}
	f.sameAsOracle(t, cs, `SELECT display_name, color FROM master_categories ORDER BY display_name`,
		`SELECT display_name, color FROM master_categories WHERE user_id = 'me' ORDER BY display_name`)
}

package main

import (
	"slices"
	"strings"

	"github.com/outlooksql/outlooksql/auth"
)

// browserBlocker says why no browser can be opened for a sign-in on this
// machine, as az decides it: an SSH session (SSH_CONNECTION or SSH_TTY
// set: a browser would open, if at all, on the far side), or, outside
// macOS and Windows, no graphical display (neither DISPLAY nor
// WAYLAND_DISPLAY). "" when a browser may open.
func browserBlocker(goos string, getenv func(string) string) string {
	if getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "" {
		return "this is an SSH session"
	}
	switch goos {
	case "darwin", "windows":
		return ""
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return "there is no graphical display (DISPLAY and WAYLAND_DISPLAY are not set)"
	}
	return ""
}

// signInFlow is how login signs in.
type signInFlow int

const (
	flowBrowser signInFlow = iota // authorization code with PKCE, in a browser
	flowDevice                    // device code, on another device
)

// chooseFlow picks login's flow: --device-code, or --browser (also
// --no-browser, which prints the browser's address), as forced; else the
// browser when one can open (canOpen), else the device code flow.
func chooseFlow(device, browser, canOpen bool) signInFlow {
	switch {
	case device:
		return flowDevice
	case browser:
		return flowBrowser
	case canOpen:
		return flowBrowser
	}
	return flowDevice
}

// The permissions of changes and sending, which --write asks for.
var writeNeeds = []auth.Need{
	{Scope: "Mail.ReadWrite", For: "changing mail (UPDATE, INSERT and DELETE on messages and mail_folders)"},
	{Scope: "Mail.Send", For: "sending mail (INSERT into outbox, replies and forwards)"},
}

// writeAny lists, for each of writeNeeds, the permissions that grant it.
var writeAny = map[string][]string{
	"Mail.ReadWrite": {"Mail.ReadWrite", "Mail.ReadWrite.Shared"},
	"Mail.Send":      {"Mail.Send", "Mail.Send.Shared"},
}

// The least Scope for reading one's own mail, and for changing and
// sending it too (offline_access keeps the sign-in beyond an hour;
// User.Read lets whoami and login tell who signed in).
const (
	leastReadScope  = "offline_access~User.Read~Mail.Read"
	leastWriteScope = "offline_access~User.Read~Mail.ReadWrite~Mail.Send"
)

// hasScope reports whether scopes holds one of any, ignoring case.
func hasScope(scopes []string, any ...string) bool {
	return slices.ContainsFunc(scopes, func(s string) bool {
		return slices.ContainsFunc(any, func(a string) bool { return strings.EqualFold(a, s) })
	})
}

// wantsWrites reports whether a sign-in is for writes: --write, or a
// Scope that already asks for a write permission.
func wantsWrites(write bool, scopes []string) bool {
	return write || hasScope(scopes, "Mail.ReadWrite", "Mail.ReadWrite.Shared", "Mail.Send", "Mail.Send.Shared")
}

// withWriteScopes adds Mail.ReadWrite and Mail.Send to scopes when no
// permission granting them is there.
func withWriteScopes(scopes []string) []string {
	out := slices.Clone(scopes)
	for _, n := range writeNeeds {
		if !hasScope(out, writeAny[n.Scope]...) {
			out = append(out, n.Scope)
		}
	}
	return out
}

// missingWrites lists the write permissions granted lacks.
func missingWrites(granted []string) []auth.Need {
	var out []auth.Need
	for _, n := range writeNeeds {
		if !hasScope(granted, writeAny[n.Scope]...) {
			out = append(out, n)
		}
	}
	return out
}

// leastScopeHint is login's advice on the least Scope: read-only unless
// the sign-in is for writes.
func leastScopeHint(writes bool) string {
	if writes {
		return "Least scope for reading, changing and sending your own mail: Scope=" + leastWriteScope + "."
	}
	return "Least scope for reading your own mail: Scope=" + leastReadScope + "; sign in with --write to change or send mail."
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/outlooksql/outlooksql/auth"
	"github.com/outlooksql/outlooksql/internal/config"
	"github.com/outlooksql/outlooksql/internal/connect"
)

const whoamiUsage = `Usage: outlooksql whoami [-c STRING | -p NAME | --demo]

Shows who the connection signs in as: the user (from Graph's /me: display
name, userPrincipalName and id), the tenant (the token's tid claim, else
Tenant or TokenUrl), the permissions granted (the token response's scope) and
when the access token expires. An expired access token is renewed first, as
a query would. Under AuthType=ApplicationCredentials there is no user: it
shows the app (ClientId), the tenant, the configured mailbox (UserId) and the
application permissions. Tokens and secrets are never shown.

Flags:
  -c, --connection STRING   connection string
  -p, --profile NAME        a named connection from the profiles file
  --demo                    the embedded demo tenant
`

const logoutUsage = `Usage: outlooksql logout [-c STRING | -p NAME]

Forgets the stored tokens: removes the connection's token file
(RefreshTokenFilePath), waiting for a refresh in progress in another process
to finish first. Says which file it removed, or that there was none. The
sign-in is not revoked at Microsoft; other copies of the tokens stay valid
until they expire or are revoked (My Account: "Sign out everywhere").

Flags:
  -c, --connection STRING   connection string
  -p, --profile NAME        a named connection from the profiles file
`

// tokenSource is what whoami asks of the sign-in: the current token, renewed
// if need be.
type tokenSource interface {
	Token(ctx context.Context) (*oauth2.Token, error)
}

// runWhoami is "outlooksql whoami".
func runWhoami(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("whoami", whoamiUsage, stdout)
	q := &queryFlags{}
	fs.StringVarP(&q.conn, "connection", "c", "", "connection string")
	fs.StringVarP(&q.profile, "profile", "p", "", "profile name")
	fs.BoolVar(&q.demo, "demo", false, "use the embedded demo tenant")
	if err := parseFlags(fs, args); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("whoami takes no arguments (got %q): %w", fs.Arg(0), errUsage)
	}
	if q.demo && (q.conn != "" || q.profile != "") {
		return fmt.Errorf("--demo and -c/-p both name a connection: give one of them: %w", errUsage)
	}
	choice, cfg, closeDemo, err := chooseConfig(q.demo, q.conn, q.profile)
	if err != nil {
		return err
	}
	defer closeDemo()
	return q.loginHint(whoami(ctx, cfg, choice.From, stdout))
}

// whoami prints what runWhoami shows for cfg.
func whoami(ctx context.Context, cfg *config.Config, from string, w io.Writer) error {
	tokens, err := connect.Tokens(cfg)
	if err != nil {
		return err
	}
	src, ok := tokens.(tokenSource)
	if !ok {
		return errors.New("whoami: this sign-in cannot tell its token") // a bug
	}
	tok, err := src.Token(ctx)
	if err != nil {
		return err
	}
	tenant := auth.TenantID(tok)
	if tenant == "" {
		tenant = cfg.Tenant
	}
	if tenant == "" {
		tenant = auth.TenantOfURL(cfg.TokenURL)
	}
	line := func(label, value string) { fmt.Fprintf(w, "%-12s%s\n", label+":", value) }
	app := cfg.AuthType == config.ApplicationCredentials
	if app {
		line("App", cfg.ClientID+" (AuthType=ApplicationCredentials: app-only, no signed-in user)")
		line("Mailbox", cfg.UserID+" (UserId, the default mailbox)")
	} else if me, err := auth.Me(ctx, nil, cfg.BaseURL, tok.AccessToken); err != nil {
		line("User", "not known: "+err.Error()+" (reading /me needs User.Read)")
	} else {
		user := me.UserPrincipalName
		if me.DisplayName != "" {
			user = me.DisplayName + " <" + me.UserPrincipalName + ">"
		}
		line("User", user)
		line("User id", me.ID)
	}
	line("Tenant", orUnknown(tenant))
	granted := auth.GrantedScopes(tok)
	label := "Granted"
	if app {
		label = "Roles"
	}
	line(label, orUnknown(strings.Join(granted, ", ")))
	line("Expires", expiry(tok.Expiry, time.Now()))
	if !app {
		line("Token file", cfg.RefreshTokenFilePath)
	}
	line("Connection", from)
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(not known)"
	}
	return s
}

// expiry shows when a token expires: UTC, and how long from now.
func expiry(t, now time.Time) string {
	if t.IsZero() {
		return "(not known)"
	}
	d := t.Sub(now)
	when := t.UTC().Format("2006-01-02 15:04:05 UTC")
	switch {
	case d <= 0:
		return when + " (expired)"
	case d < time.Minute:
		return when + " (in " + formatDuration(d.Round(time.Second)) + ")"
	}
	return when + " (in " + formatDuration(d.Round(time.Minute)) + ")"
}

// runLogout is "outlooksql logout".
func runLogout(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("logout", logoutUsage, stdout)
	var conn, name string
	fs.StringVarP(&conn, "connection", "c", "", "connection string")
	fs.StringVarP(&name, "profile", "p", "", "profile name")
	if err := parseFlags(fs, args); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("logout takes no arguments (got %q): %w", fs.Arg(0), errUsage)
	}
	choice, err := connString(conn, name, false)
	if err != nil {
		return err
	}
	cfg, err := parseChoice(choice)
	if err != nil {
		return err
	}
	if cfg.AuthType == config.ApplicationCredentials {
		fmt.Fprintf(stdout, "Nothing to forget: AuthType=%s keeps no tokens (the app signs in with its ClientSecret each time).\n", cfg.AuthType)
		return nil
	}
	removed, err := auth.Forget(ctx, cfg.RefreshTokenFilePath)
	if err != nil {
		return err
	}
	if !removed {
		fmt.Fprintf(stdout, "Nothing to forget: there is no token file %s.\n", cfg.RefreshTokenFilePath)
		return nil
	}
	fmt.Fprintf(stdout, "Signed out: removed the token file %s.\n", cfg.RefreshTokenFilePath)
	return nil
}

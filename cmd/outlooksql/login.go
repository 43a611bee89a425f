package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/outlooksql/outlooksql/auth"
	"github.com/outlooksql/outlooksql/internal/config"
)

const loginUsage = `Usage: outlooksql login [flags]

Signs in to Microsoft and writes the token file named by the connection
string's RefreshTokenFilePath. Uses AuthUrl, TokenUrl, ClientId, ClientSecret
(omit it for a public client), Scope, ReturnUrl and
ExtraAttributesForAuthRequest.

A loopback ReturnUrl (http://localhost:PORT/…) is listened on and the browser
opened; with any other ReturnUrl, paste back the address the browser ends on.

The connection is -c if given, else -p's profile, else $OUTLOOKSQL_CONNECTION,
else the profile named "default".

Flags:
  -c, --connection STRING   connection string
  -p, --profile NAME        a named connection from the profiles file
  --device-code             sign in on another device (for machines without a browser)
  --no-browser              print the sign-in address instead of opening a browser
`

// browserOpener returns how to open a URL in the user's browser, or nil
// when there is none; tests replace it.
var browserOpener = systemBrowser

// runLogin is "outlooksql login": an interactive sign-in that writes the
// token file, then says who signed in, what was granted and what the
// tables would still need.
func runLogin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("login", loginUsage, stderr)
	var conn, name string
	var device, noBrowser bool
	fs.StringVarP(&conn, "connection", "c", "", "connection string")
	fs.StringVarP(&name, "profile", "p", "", "profile name")
	fs.BoolVar(&device, "device-code", false, "sign in with a code on another device")
	fs.BoolVar(&noBrowser, "no-browser", false, "print the sign-in address only")
	if err := parseFlags(fs, args); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("login takes no arguments (got %q): %w", fs.Arg(0), errUsage)
	}
	choice, err := connString(conn, name, false)
	if err != nil {
		return err
	}
	cfg, err := parseChoice(choice)
	if err != nil {
		return err
	}
	if cfg.AuthType != config.UserCredentials {
		return fmt.Errorf("login is for AuthType=%s: AuthType=%s (app-only) needs no sign-in", config.UserCredentials, cfg.AuthType)
	}
	lc := auth.LoginConfig{
		AuthURL:      cfg.AuthURL,
		TokenURL:     cfg.TokenURL,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Scopes:       cfg.Scopes,
		ReturnURL:    cfg.ReturnURL,
		Extra:        cfg.ExtraAttributesForAuthRequest,
		TokenFile:    cfg.RefreshTokenFilePath,
		Prompt:       stderr,
		Input:        stdin,
	}
	if !noBrowser {
		lc.OpenBrowser = browserOpener()
	}
	login := auth.LoginCode
	if device {
		login = auth.LoginDevice
	} else if cfg.AuthURL == "" {
		return errors.New("AuthUrl is required to sign in in a browser (e.g. https://login.microsoftonline.com/common/oauth2/v2.0/authorize); or use --device-code")
	}
	tok, err := login(ctx, lc)
	if err != nil {
		return err
	}
	upn, granted, err := auth.WhoAmI(ctx, nil, cfg.BaseURL, tok)
	if err != nil {
		fmt.Fprintf(stdout, "Signed in, but could not tell as whom: %v\n", err)
	} else {
		fmt.Fprintf(stdout, "Signed in as %s.\n", upn)
	}
	fmt.Fprintf(stdout, "Token file: %s\n", cfg.RefreshTokenFilePath)
	fmt.Fprintf(stdout, "Granted: %s\n", strings.Join(granted, ", "))
	if missing := auth.MissingScopes(granted); len(missing) > 0 {
		fmt.Fprintln(stdout, "Not granted, so some queries will fail:")
		for _, n := range missing {
			fmt.Fprintf(stdout, "  %s\n", n)
		}
		fmt.Fprintln(stdout, `Add them to Scope and run "outlooksql login" again (some may need an administrator's consent).`)
	}
	return nil
}

// systemBrowser opens URLs with the desktop's handler: open (macOS),
// rundll32 (Windows) or xdg-open (elsewhere, only under X11 or Wayland, so
// that a text-mode browser does not take over the terminal). nil when
// there is none.
func systemBrowser() func(string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return nil
		}
		name = "xdg-open"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil
	}
	return func(u string) error {
		cmd := exec.Command(path, append(args, u)...)
		if err := cmd.Start(); err != nil {
			return err
		}
		go cmd.Wait()
		return nil
	}
}

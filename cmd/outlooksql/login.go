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

Tenant=… (a tenant id, a domain, common or organizations) gives AuthUrl and
TokenUrl; a profile without RefreshTokenFilePath keeps its tokens in
tokens/NAME.json beside the profiles file, so a profile needs only Tenant and
ClientId.

A loopback ReturnUrl (http://localhost:PORT/…) is listened on and the browser
opened; with any other ReturnUrl, paste back the address the browser ends on.
When no browser can open (an SSH session, or no DISPLAY or WAYLAND_DISPLAY on
Linux), login signs in with a code on another device instead.

The connection is -c if given, else -p's profile, else $OUTLOOKSQL_CONNECTION,
else the profile named "default".

Flags:
  -c, --connection STRING   connection string
  -p, --profile NAME        a named connection from the profiles file
  --device-code             sign in with a code on another device (the default when
                            no browser can open)
  --browser                 sign in in a browser, even where none seems to be available
  --no-browser              print the sign-in address instead of opening a browser
  --write                   also ask for Mail.ReadWrite and Mail.Send, for UPDATE,
                            INSERT, DELETE and sending; without it (and with no write
                            permission in Scope) the least-scope hint is read-only
`

// browserOpener returns how to open a URL in the user's browser, or nil
// when there is none; tests replace it.
var browserOpener = systemBrowser

// runLogin is "outlooksql login": an interactive sign-in that writes the
// token file, then says who signed in, what was granted and what the
// tables would still need.
func runLogin(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("login", loginUsage, stdout)
	var conn, name string
	var device, browser, noBrowser, write bool
	fs.StringVarP(&conn, "connection", "c", "", "connection string")
	fs.StringVarP(&name, "profile", "p", "", "profile name")
	fs.BoolVar(&device, "device-code", false, "sign in with a code on another device")
	fs.BoolVar(&browser, "browser", false, "sign in in a browser")
	fs.BoolVar(&noBrowser, "no-browser", false, "print the sign-in address only")
	fs.BoolVar(&write, "write", false, "also ask for the write permissions")
	if err := parseFlags(fs, args); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("login takes no arguments (got %q): %w", fs.Arg(0), errUsage)
	}
	if device && (browser || noBrowser) {
		other := "--browser"
		if noBrowser {
			other = "--no-browser"
		}
		return fmt.Errorf("--device-code and %s ask for different sign-ins: give one of them: %w", other, errUsage)
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
	writes := wantsWrites(write, cfg.Scopes)
	scopes := cfg.Scopes
	if write {
		scopes = withWriteScopes(scopes)
	}
	lc := auth.LoginConfig{
		AuthURL:      cfg.AuthURL,
		TokenURL:     cfg.TokenURL,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Scopes:       scopes,
		ReturnURL:    cfg.ReturnURL,
		Extra:        cfg.ExtraAttributesForAuthRequest,
		TokenFile:    cfg.RefreshTokenFilePath,
		Prompt:       stderr,
		Input:        stdin,
	}
	opener := browserOpener()
	if !noBrowser {
		lc.OpenBrowser = opener
	}
	login := auth.LoginCode
	if chooseFlow(device, browser || noBrowser, opener != nil) == flowDevice {
		login = auth.LoginDevice
		if !device {
			why := browserBlocker(runtime.GOOS, os.Getenv)
			if why == "" {
				why = "no program to open one was found"
			}
			fmt.Fprintf(stderr, "No browser can open here (%s): signing in with a code on another device. (--browser signs in in a browser anyway.)\n", why)
		}
	} else if cfg.AuthURL == "" {
		return errors.New("AuthUrl is required to sign in in a browser (e.g. https://login.microsoftonline.com/common/oauth2/v2.0/authorize), or Tenant=… to derive it; or use --device-code")
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
	missing := auth.MissingScopes(granted)
	if writes {
		missing = append(missing, missingWrites(granted)...)
	}
	if len(missing) > 0 {
		fmt.Fprintln(stdout, "Not granted, so some queries will fail:")
		for _, n := range missing {
			fmt.Fprintf(stdout, "  %s\n", n)
		}
		fmt.Fprintln(stdout, `Add them to Scope and run "outlooksql login" again (some may need an administrator's consent).`)
	}
	fmt.Fprintln(stderr, leastScopeHint(writes))
	return nil
}

// systemBrowser opens URLs with the desktop's handler: open (macOS),
// rundll32 (Windows) or xdg-open (elsewhere, only under X11 or Wayland, so
// that a text-mode browser does not take over the terminal). nil when
// there is none, or none can open here (see browserBlocker).
func systemBrowser() func(string) error {
	var name string
	var args []string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		name = "xdg-open"
	}
	if browserBlocker(runtime.GOOS, os.Getenv) != "" {
		return nil
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

// Package redirect makes HTTP clients that never follow redirects. Every
// request outlooksql sends carries a secret (a bearer token, a client secret,
// a refresh token or an authorization code), and Go's http.Client would
// resend it, or the request body, to wherever a 3xx points. A redirect is
// instead an *Error naming the status and the host it pointed to.
package redirect

import (
	"fmt"
	"net/http"
)

// Error is a redirect that was not followed.
type Error struct {
	Status int    // the redirect's status, e.g. 302
	Host   string // host[:port] the Location pointed to; "" when it had none
}

// Error names the status and the host, never the full Location (which may
// carry a token in its query).
func (e *Error) Error() string {
	to := e.Host
	if to == "" {
		to = "another address"
	}
	return fmt.Sprintf("the server answered %d redirecting to %s; outlooksql never follows redirects (they could carry the token or secret elsewhere): check that the URL in the connection string is the service's final address", e.Status, to)
}

// check is an http.Client CheckRedirect that refuses every redirect.
func check(req *http.Request, via []*http.Request) error {
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	return &Error{Status: status, Host: req.URL.Host}
}

// Refuse returns a copy of c (nil: a client like http.DefaultClient) that
// refuses every redirect: Do returns a *url.Error wrapping an *Error, and
// the request is never sent to the Location.
func Refuse(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	cp.CheckRedirect = check
	return &cp
}

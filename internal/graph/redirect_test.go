package graph

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"

	"github.com/outlooksql/outlooksql/internal/redirect"
)

// newWitness starts a second host that records what reaches it.
func newWitness(t *testing.T) *fakegraph.Witness {
	w := fakegraph.NewWitness()
	t.Cleanup(w.Close)
	return w
}

// TestRedirectIsRefused: a redirect on page 2 (or on a $batch POST) is an
// error naming the status and the host, sent once whatever the retry
// policy, and nothing reaches the host it points to, whatever client the
// caller supplied.
func TestRedirectIsRefused(t *testing.T) {
	clients := []struct {
		name string
		http *http.Client
	}{
		{"default client", nil},
		{"caller's client that follows redirects", &http.Client{}},
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, hc := range clients {
			t.Run(http.StatusText(status)+"/"+hc.name, func(t *testing.T) {
				w := newWitness(t)
				to := map[string]string{"Location": w.URL + "/v1.0/me/messages?$skip=2"}
				s := serve(t,
					ok(`{"value":[{"id":"a"},{"id":"b"}],"@odata.nextLink":"{{base}}/me/messages?$skip=2"}`),
					step{status: status, header: to, body: `{}`},
				)
				c := New(Options{BaseURL: s.URL + "/v1.0", HTTPClient: hc.http, Tokens: &tokens{},
					Retry: Retry{Mode: RetryAny, MaxRetries: 3, Wait: 1}})
				ids, err := collect(c.Pages(context.Background(), "me", "/me/messages", nil))
				want := "graph: GET /me/messages?$skip=2: the server answered " + itoa(status) + " redirecting to " + w.Host() +
					"; outlooksql never follows redirects (they could carry the token or secret elsewhere): check that the URL in the connection string is the service's final address"
				if err == nil || err.Error() != want {
					t.Fatalf("error = %v\n        want %s", err, want)
				}
				var re *redirect.Error
				if !errors.As(err, &re) || re.Status != status || re.Host != w.Host() {
					t.Errorf("error chain has %+v", re)
				}
				if strings.Join(ids, ",") != "a,b" {
					t.Errorf("rows %v, want only page 1's", ids)
				}
				if got := s.uris(); len(got) != 2 {
					t.Errorf("requests %q, want page 1 and one attempt at page 2", got)
				}
				if got := w.Received(); len(got) != 0 {
					t.Errorf("the other host received %q", got)
				}

				// A $batch POST redirected would resend its body.
				s2 := serve(t, step{status: status, header: map[string]string{"Location": w.URL + "/v1.0/$batch"}, body: `{}`})
				c2 := New(Options{BaseURL: s2.URL + "/v1.0", HTTPClient: hc.http, Tokens: &tokens{},
					Retry: Retry{Mode: RetryAny, MaxRetries: 3, Wait: 1}})
				_, err = c2.Batch(context.Background(), "me", []BatchRequest{{Path: "/me/messages?$top=1"}, {Path: "/me/mailFolders?$top=1"}})
				if !errors.As(err, &re) || !strings.Contains(err.Error(), "answered "+itoa(status)+" redirecting to "+w.Host()) {
					t.Errorf("batch error = %v", err)
				}
				if got := s2.uris(); len(got) != 1 || !strings.HasPrefix(got[0], "/v1.0/$batch") {
					t.Errorf("batch requests %q, want one", got)
				}
				if got := w.Received(); len(got) != 0 {
					t.Errorf("the other host received %q", got)
				}
			})
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

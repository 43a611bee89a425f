package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestAdaptiveGivesUp: when Graph cannot build even a page of one item in
// time, the adapting Pager's error is the 504 (Status still reads it), and
// says what happened and what to do about it; a fixed Pager's 504 does not
// claim that.
func TestAdaptiveGivesUp(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 11, Users: 1, MessagesPerUser: 30})
	upn := tenant.Users[0].UserPrincipalName
	s := fakegraph.New(tenant, fakegraph.WithMaxPageBytes(100))
	t.Cleanup(s.Close)
	cl := New(Options{BaseURL: s.GraphURL(), Tokens: fakeToken(s.IssueAccessToken(upn)), Retry: Retry{Mode: RetryNone}})
	path := "/users/" + upn + "/messages?$select=id,body&$top=8"
	_, err := collect(cl.Pages(context.Background(), upn, path, nil).Adapt())
	if Status(err) != 504 {
		t.Fatalf("error %v, want the 504", err)
	}
	for _, want := range []string{"504", "even a page of 1 item", "select fewer or smaller columns"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := len(s.Requests()); n != 4 {
		t.Errorf("%d requests, want $top 8, 4, 2, 1", n)
	}
	_, err = collect(cl.Pages(context.Background(), upn, path, nil))
	if Status(err) != 504 || strings.Contains(err.Error(), "even a page") {
		t.Errorf("fixed pages: %v", err)
	}
}

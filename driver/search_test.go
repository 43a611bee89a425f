package driver_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/vtab/outlook"
)

// TestSearch checks $search against the fake's model of KQL: the rows are
// the search's results with the other predicates applied by SQLite, and
// the request carries $search alone (Graph refuses $filter and $orderby
// beside it).
func TestSearch(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	hits, err := tenant.Search(e.User, "budget")
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, m := range hits {
		if !m.IsRead {
			want = append(want, []string{`"` + m.ID + `"`})
		}
	}
	if len(want) == 0 || len(want) == len(hits) {
		t.Fatalf("the search has %d hits, %d unread: the test would prove little", len(hits), len(want))
	}
	e.Server.ResetRequests()
	got := e.query(t, "SELECT id FROM messages WHERE search = 'budget' AND is_read = 0 ORDER BY id")
	slices.SortFunc(want, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	diffRows(t, "search", got, want)
	reqs := e.requests()
	if len(reqs) == 0 {
		t.Fatal("no request")
	}
	for _, r := range reqs {
		if !strings.Contains(r, `$search="budget"`) || strings.Contains(r, "$filter") || strings.Contains(r, "$orderby") {
			t.Errorf("request %s: want $search alone", r)
		}
	}
}

// TestSearchCap checks that a search whose results reach Graph's cap ends
// with an error the API can see, and a warning, instead of passing a
// truncated answer off as complete.
func TestSearchCap(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 1, MessagesPerUser: 3000})
	e := newEnv(t, tenant, nil)
	hits, err := tenant.Search(e.User, "the")
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != fakegraph.SearchCap {
		t.Fatalf("the search has %d hits, want the cap %d: the test would prove nothing", len(hits), fakegraph.SearchCap)
	}
	rows, err := e.conn.QueryContext(context.Background(), "SELECT id FROM messages WHERE search = 'the'")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	err = rows.Err()
	rows.Close()
	if !errors.Is(err, outlook.ErrSearchCapped) && (err == nil || !strings.Contains(err.Error(), "cap of 1000 results")) {
		t.Fatalf("rows.Err() = %v after %d rows, want the search-cap error", err, n)
	}
	ws, err := driver.Warnings(e.conn)
	if err != nil || len(ws) != 1 || !strings.Contains(ws[0], "cap of 1000") {
		t.Errorf("warnings %q (%v), want the search-cap warning", ws, err)
	}
	// A search under the cap is complete and raises nothing.
	got := e.query(t, "SELECT count(*) FROM messages WHERE search = 'budget'")
	few, _ := tenant.Search(e.User, "budget")
	if len(few) >= fakegraph.SearchCap || got[0][0] != canon(int64(len(few))) {
		t.Errorf("count %v, want %d", got, len(few))
	}
}

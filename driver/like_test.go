package driver_test

import (
	"slices"
	"strings"
	"testing"
)

// TestLikeOnCaseSensitiveID: LIKE ignores ASCII case, and Graph compares
// ids exactly, so `id LIKE 'x'` must not become $filter=id eq 'x' (it lost
// the rows whose id differs in case): every id equal but for ASCII case
// must come back.
func TestLikeOnCaseSensitiveID(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	me := tenant.Users[0]
	id := me.Messages[0].ID
	low := strings.ToLower(id)
	var want [][]string
	for _, m := range me.Messages {
		if strings.EqualFold(m.ID, low) {
			want = append(want, []string{`"` + m.ID + `"`})
		}
	}
	e.Server.ResetRequests()
	got := e.query(t, "SELECT id FROM messages WHERE id LIKE ?", low)
	diffRows(t, "id LIKE", sorted(got), sorted(want))
	for _, r := range e.Server.Requests() {
		if slices.ContainsFunc(r.Query["$filter"], func(f string) bool { return strings.Contains(f, "id eq") }) {
			t.Errorf("request %s pushes the LIKE as a case-sensitive eq", describe(r.Method, r.Path, r.Query))
		}
	}
}

// TestPreFilterLimitPages: when Graph only pre-filters (its eq ignores
// case) and SQLite rejects what comes back, a small LIMIT must not become a
// small page: every nextLink repeats $top, so pages of LIMIT rows cost a
// request per LIMIT rejected rows.
func TestPreFilterLimitPages(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	count := map[string]int{}
	best := ""
	for _, m := range tenant.Users[0].Messages {
		count[m.Subject]++
		if count[m.Subject] > count[best] {
			best = m.Subject
		}
	}
	upper := strings.ToUpper(best)
	if upper == best || count[best] < 10 {
		t.Fatalf("subject %q (%d messages) cannot show the waste", best, count[best])
	}
	e.Server.ResetRequests()
	got := e.query(t, "SELECT id FROM messages WHERE subject = ? LIMIT 1", upper)
	if len(got) != 0 {
		t.Errorf("%d rows, want none: no subject is %q", len(got), upper)
	}
	if n, most := len(e.Server.Requests()), (count[best]+99)/100; n > most {
		t.Errorf("%d requests for %d rows Graph matches, want at most %d (pages of 100)", n, count[best], most)
	}
}

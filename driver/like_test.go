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

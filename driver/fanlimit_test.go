package driver_test

import (
	"strings"
	"testing"
)

// TestFanOutUnderLimit: a LIMIT the plan cannot hand to Graph still bounds
// the requests a fan-out starts ahead (found in review: id IN (20 ids)
// LIMIT 1 sent all 20 GETs in a $batch).
func TestFanOutUnderLimit(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	var ids []string
	for _, m := range tenant.Users[0].Messages[:20] {
		ids = append(ids, "'"+m.ID+"'")
	}
	e.Server.ResetRequests()
	got := e.query(t, "SELECT id FROM messages WHERE id IN ("+strings.Join(ids, ", ")+") LIMIT 1")
	if len(got) != 1 {
		t.Fatalf("%d rows, want 1", len(got))
	}
	gets := 0
	for _, r := range e.Server.Requests() {
		gets += max(1, len(r.Inner)) // a $batch counts by its GETs
	}
	if gets > 2 {
		t.Errorf("%d GETs for LIMIT 1 over 20 ids, want at most 2", gets)
	}
}

package main

import (
	"regexp"
	"testing"
)

// TestExplainPartitions: explain lists the chains of a partitioned scan,
// each with its range, its requests and its rows.
func TestExplainPartitions(t *testing.T) {
	f := newTenantFixture(t)
	f.env.Server.SetPageCap(100) // 400 messages: four pages
	t.Cleanup(func() { f.env.Server.SetPageCap(0) })
	out, _, err := cli("explain", "-c", f.env.ConnString("ParallelScanMinPages=2"), "SELECT id, body FROM messages")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^  partition 1: receivedDateTime lt \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  requests=1 rows=100$`,
		`(?m)^  partition 2: receivedDateTime ge \S+ and lt \S+  requests=1 rows=100$`,
		`(?m)^  partition 4: receivedDateTime ge \S+  requests=1 rows=100$`,
		`(?m)^scan 1: messages  rows=400 `,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("explain output lacks %s:\n%s", re, out)
		}
	}
}

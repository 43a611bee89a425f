package main

import (
	"regexp"
	"testing"
)

// TestExplainPartitionBounds: explain says where a split's bounds came
// from: the probes of the first scan, then, for a repeat of the same
// listing (other columns, the same $filter), the previous scan.
func TestExplainPartitionBounds(t *testing.T) {
	f := newTenantFixture(t)
	f.env.Server.SetPageCap(100) // 400 messages: four pages
	t.Cleanup(func() { f.env.Server.SetPageCap(0) })
	conn := f.env.ConnString("ParallelScanMinPages=2")
	for _, step := range []struct{ q, re string }{
		{"SELECT id FROM messages WHERE received_date_time >= '2000-01-01'", `(?m)^  partition bounds:  probes \(@odata\.count \d+\)$`},
		{"SELECT id, subject FROM messages WHERE received_date_time >= '2000-01-01'", `(?m)^  partition bounds:  a previous scan's \(\d+s ago, @odata\.count \d+\)$`},
	} {
		out, _, err := cli("explain", "-c", conn, step.q)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(step.re).MatchString(out) || !regexp.MustCompile(`(?m)^  partition 4: `).MatchString(out) {
			t.Errorf("%s: explain output lacks %s:\n%s", step.q, step.re, out)
		}
	}
}

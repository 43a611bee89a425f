package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestExplainBatchedLookupCached: a join whose outer side is read twice
// (a cross join with a two-row table) fetches the same keys ahead twice;
// the second time the statement's cache answers them and nothing is sent.
// explain says so, so that "N keys fetched ahead in R requests" never
// claims more keys per request than a $batch holds (20).
func TestExplainBatchedLookupCached(t *testing.T) {
	f, n := inboxFixture(t)
	q := "SELECT x.n, m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM (SELECT 1 n UNION ALL SELECT 2) x CROSS JOIN messages('me', 'inbox') m"
	out, _, err := cli("explain", "-c", f.env.ConnString(), q)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`batched lookup: attachments\.message_id from messages\.id: (\d+) keys fetched ahead in (\d+) requests(?: \((\d+) from the statement's cache\))?, (\d+) served, (\d+) dropped\n`).FindStringSubmatch(out)
	if line == nil {
		t.Fatalf("no batched lookup line:\n%.3000s", out)
	}
	keys, _ := strconv.Atoi(line[1])
	reqs, _ := strconv.Atoi(line[2])
	cached, _ := strconv.Atoi(line[3])
	if keys != 2*n || cached != n || keys-cached > 20*reqs {
		t.Errorf("%q: want %d keys of which %d from the cache, and at most 20 sent per request", strings.TrimSpace(line[0]), 2*n, n)
	}
	if want := fmt.Sprintf(", %d served, 0 dropped", 2*n); !strings.Contains(line[0], want) {
		t.Errorf("%q lacks %q", line[0], want)
	}
}

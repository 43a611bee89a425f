package main

import (
	"strings"
	"testing"
)

// TestExplainNoEmptyLookup: a subquery's value found in another scan's
// current row, with nothing after it to fetch ahead (LIMIT 1), is no
// batched lookup: explain does not print "0 keys fetched ahead in 0
// requests". And a LIMIT of one row says "stop after 1 row".
func TestExplainNoEmptyLookup(t *testing.T) {
	f := newTenantFixture(t)
	q := "SELECT a.name FROM attachments a WHERE a.message_id = (SELECT id FROM messages WHERE has_attachments = 1 ORDER BY received_date_time DESC LIMIT 1)"
	out, _, err := cli("explain", "-c", f.env.ConnString(), q)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "batched lookup") {
		t.Errorf("explain shows a batched lookup that fetched nothing:\n%s", out)
	}
	if !strings.Contains(out, "LIMIT 1 → stop after 1 row\n") && !strings.Contains(out, "stop after 1 row ") {
		t.Errorf("explain lacks %q:\n%s", "stop after 1 row", out)
	}
}

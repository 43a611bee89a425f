package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// joinSQL joins each inbox message with attachments to its attachments:
// one inner attachments scan per outer row.
const joinSQL = `SELECT m.subject, a.name FROM messages m JOIN attachments a ON a.message_id = m.id WHERE m.has_attachments = 1 AND m.folder_id = 'inbox' ORDER BY m.id, a.id`

// explainJSON is the part of explain -f json the tests read.
type explainJSON struct {
	Rows  []map[string]any `json:"rows"`
	Error string           `json:"error"`
	Scans []struct {
		Scan     int    `json:"scan"`
		Table    string `json:"table"`
		Count    int    `json:"count"`
		Rows     int64  `json:"rows"`
		Pages    int    `json:"pages"`
		Requests int    `json:"requests"`
		Ahead    int    `json:"ahead"`
		Pushed   []struct {
			SQL  string `json:"sql"`
			Sent string `json:"sent"`
		} `json:"pushed"`
		Local []string `json:"local"`
	} `json:"scans"`
	Lookups []struct {
		Table, Column, From string
		Prefetched, Served  int
		Requests            int
	} `json:"batched_lookups"`
	Requests []struct {
		Method string `json:"method"`
		URL    string `json:"url"`
		Status int    `json:"status"`
		Error  string `json:"error"`
		Bytes  int64  `json:"bytes"`
		Inner  []struct {
			Method string `json:"method"`
			URL    string `json:"url"`
			Status int    `json:"status"`
		} `json:"inner"`
	} `json:"requests"`
	Total struct {
		Requests int   `json:"requests"`
		Bytes    int64 `json:"bytes"`
	} `json:"total"`
}

func parseExplain(t *testing.T, out string) *explainJSON {
	t.Helper()
	var p explainJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("explain -f json is not one JSON object: %v\n%s", err, out)
	}
	var any map[string]json.RawMessage
	if err := dec.Decode(&any); err != nil || dec.More() {
		t.Fatalf("explain -f json: more than one JSON value on stdout (%v):\n%s", err, out)
	}
	return &p
}

// TestExplainJSON: explain -f json through the binary prints one JSON
// object and nothing else: the rows, the scans (the inner attachments
// scans as one, with a count), the batched lookup and every request with
// its method, URL, status and bytes; the request totals add up.
func TestExplainJSON(t *testing.T) {
	out, stderr, code := binRun(t, t.TempDir(), "", "explain", "--demo", "-f", "json", joinSQL)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	p := parseExplain(t, out)
	qOut, _, qCode := binRun(t, t.TempDir(), "", "query", "--demo", "-f", "json", joinSQL)
	var rows []map[string]any
	if qCode != 0 || json.Unmarshal([]byte(qOut), &rows) != nil || len(rows) == 0 || len(rows) != len(p.Rows) {
		t.Fatalf("explain's rows (%d) are not query's (%d, exit %d)", len(p.Rows), len(rows), qCode)
	}
	if len(p.Scans) != 2 {
		t.Fatalf("want 2 scans (messages, then attachments × n), got %+v", p.Scans)
	}
	outer, inner := p.Scans[0], p.Scans[1]
	if outer.Table != "messages" || outer.Count != 1 || outer.Scan != 1 || len(outer.Pushed) != 2 ||
		outer.Pushed[0].SQL != "has_attachments = 1" || outer.Pushed[0].Sent != "hasAttachments eq true" ||
		outer.Pushed[1].SQL != "folder_id = 'inbox'" || outer.Pushed[1].Sent != "path" || len(outer.Local) != 0 {
		t.Errorf("scan 1: %+v", outer)
	}
	if inner.Table != "attachments" || inner.Scan != 2 || inner.Count != int(outer.Rows) || inner.Count < 2 ||
		inner.Rows != int64(len(rows)) || inner.Pages != inner.Count ||
		len(inner.Pushed) != 1 || inner.Pushed[0].SQL != "message_id = ?" || inner.Pushed[0].Sent != "path" {
		t.Errorf("scan 2: %+v; want attachments × %d (one per message), %d rows", inner, outer.Rows, len(rows))
	}
	if len(p.Lookups) != 1 || p.Lookups[0].Table != "attachments" || p.Lookups[0].From != "messages.id" || p.Lookups[0].Served != inner.Count {
		t.Errorf("batched lookups: %+v", p.Lookups)
	}
	var bytes int64
	var innerGets int
	for i, r := range p.Requests {
		bytes += r.Bytes
		if r.Status != 200 || r.Bytes <= 0 || !strings.HasPrefix(r.URL, "http://127.0.0.1:") {
			t.Errorf("request %d: %+v", i+1, r)
		}
		if i == 0 && (r.Method != "GET" || !strings.Contains(r.URL, "/me/mailFolders/inbox/messages?$filter=hasAttachments%20eq%20true&")) {
			t.Errorf("request 1: %s %s", r.Method, r.URL)
		}
		if i > 0 && (r.Method != "POST" || !strings.HasSuffix(r.URL, "/v1.0/$batch")) {
			t.Errorf("request %d: %s %s, want a $batch POST", i+1, r.Method, r.URL)
		}
		for _, in := range r.Inner {
			innerGets++
			if in.Method != "GET" || in.Status != 200 || !strings.Contains(in.URL, "/attachments?") {
				t.Errorf("request %d carries %+v", i+1, in)
			}
		}
	}
	if p.Total.Requests != len(p.Requests) || p.Total.Bytes != bytes || innerGets < inner.Count {
		t.Errorf("total %+v; requests %d, %d bytes, %d GETs in batches for %d scans", p.Total, len(p.Requests), bytes, innerGets, inner.Count)
	}
}

// TestExplainSummarizesInnerScans: the text plan lists the inner scans of
// a join as one line with a count and summed figures, not once each.
func TestExplainSummarizesInnerScans(t *testing.T) {
	out, stderr, code := binRun(t, t.TempDir(), "", "explain", "--demo", "-f", "csv", joinSQL)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	m := regexp.MustCompile(`(?m)^scan 2: attachments × (\d+)  rows=(\d+) pages=(\d+) requests=0 ahead=(\d+)\n  pushed to Graph:   message_id = \? → path\n  checked by SQLite: \(none\)\n`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summarized scan 2:\n%s", out)
	}
	if m[1] != m[3] || m[1] != m[4] || m[1] == "1" {
		t.Errorf("scan 2: %s scans, %s pages, %s ahead:\n%s", m[1], m[3], m[4], out)
	}
	if n := strings.Count(out, "\nscan "); n != 2 {
		t.Errorf("%d scan lines, want 2:\n%s", n, out)
	}
	if !regexp.MustCompile(`(?m)^scan 1: messages  rows=` + m[1] + ` pages=1 requests=1$`).MatchString(out) {
		t.Errorf("scan 1 does not read the %s messages the inner scans ran for:\n%s", m[1], out)
	}
}

// TestExplainFailingStatement: a statement that fails still lists the
// requests it made, in text and JSON, and the exit code is 1.
func TestExplainFailingStatement(t *testing.T) {
	const bad = `SELECT subject FROM messages WHERE folder_id = 'nosuchfolder'`
	out, stderr, code := binRun(t, t.TempDir(), "", "explain", "--demo", bad)
	if code != 1 || !strings.Contains(stderr, "ErrorInvalidIdMalformed") ||
		!regexp.MustCompile(`(?m)^   1 GET http://127\.0\.0\.1:\d+/v1\.0/me/mailFolders/nosuchfolder/messages\?\$select=id,subject&\$top=\d+(&\$count=true)? -> ErrorInvalidIdMalformed, \d+ bytes`).MatchString(out) ||
		!strings.Contains(out, "scan 1: messages  rows=0 pages=0 requests=1\n") || !strings.Contains(out, "total: 1 requests, ") {
		t.Errorf("text: exit %d, stdout:\n%s\nstderr: %s", code, out, stderr)
	}
	out, stderr, code = binRun(t, t.TempDir(), "", "explain", "--demo", "-f", "json", bad)
	p := parseExplain(t, out)
	if code != 1 || !strings.Contains(stderr, "ErrorInvalidIdMalformed") || p.Rows != nil ||
		!strings.Contains(p.Error, `folder_id "nosuchfolder" is neither a folder id nor a well-known name`) ||
		len(p.Requests) != 1 || p.Requests[0].Status != 400 || p.Requests[0].Error != "ErrorInvalidIdMalformed" ||
		!strings.Contains(p.Requests[0].URL, "/me/mailFolders/nosuchfolder/messages?$select=id,subject&") ||
		p.Total.Requests != 1 || len(p.Scans) != 1 || p.Scans[0].Requests != 1 {
		t.Errorf("json: exit %d, stderr %q, plan %+v", code, stderr, p)
	}
}

// TestGroupScans: scans collapse when only their values differ; a
// different table, pushed term or checked term is a group of its own.
func TestGroupScans(t *testing.T) {
	path := func(sql string) plan.Term { return plan.Term{SQL: sql, How: plan.ByPath} }
	checked := func(sql string) plan.Term { return plan.Term{SQL: sql, How: plan.Checked} }
	filter := func(sql, f string) plan.Term { return plan.Term{SQL: sql, How: plan.ByFilter, Filter: []string{f}} }
	scans := []driver.Scan{
		{Table: "messages", Rows: 3, Pages: 1, Requests: 1},
		{Table: "attachments", Pushed: []plan.Term{path("message_id = 'AAMk1'")}, Rows: 2, Pages: 1, Requests: 1},
		{Table: "attachments", Pushed: []plan.Term{path("message_id = 'AAMk''2'")}, Rows: 0, Pages: 1, Cached: 1},
		{Table: "attachments", Pushed: []plan.Term{path("message_id = 'AAMk3'")}, Local: []plan.Term{checked("size > 10")}, Rows: 1, Pages: 1, Ahead: 1},
		{Table: "attachments", Pushed: []plan.Term{path("message_id = 'AAMk4'")}, Rows: 5, Pages: 2, Ahead: 1},
		{Table: "messages", Pushed: []plan.Term{filter("received_date_time >= '2024-01-01'", "receivedDateTime ge 2024-01-01T00:00:00Z")}, Rows: 7, Pages: 1, Requests: 1},
		{Table: "messages", Pushed: []plan.Term{filter("received_date_time >= '2025-06-01'", "receivedDateTime ge 2025-06-01T00:00:00Z")}, Rows: 1, Pages: 1, Requests: 1},
		{Table: "mail_folders", Pushed: []plan.Term{path("user_id = 'AAMk1'")}, Rows: 9, Pages: 1, Requests: 1},
		// a self-join's inner scans: not counted with the first scan
		{Table: "messages", Rows: 3, Pages: 1, Cached: 1},
		{Table: "messages", Rows: 3, Pages: 1, Cached: 1},
	}
	type want struct {
		table                               string
		count, pages, requests, cached, ahd int
		rows                                int64
		pushed                              string
	}
	wants := []want{
		{"messages", 1, 1, 1, 0, 0, 3, "(none)"},
		{"attachments", 3, 4, 1, 1, 1, 7, "message_id = ? → path"},
		{"attachments", 1, 1, 0, 0, 1, 1, "message_id = 'AAMk3' → path"},
		{"messages", 2, 2, 2, 0, 0, 8, "received_date_time >= ? → receivedDateTime ge ?"},
		{"mail_folders", 1, 1, 1, 0, 0, 9, "user_id = 'AAMk1' → path"},
		{"messages", 2, 2, 0, 2, 0, 6, "(none)"},
	}
	got := groupScans(scans)
	if len(got) != len(wants) {
		t.Fatalf("%d groups, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		g := got[i]
		if g.Table != w.table || g.Count != w.count || g.Pages != w.pages || g.Requests != w.requests ||
			g.Cached != w.cached || g.Ahead != w.ahd || g.Rows != w.rows || g.terms(g.Pushed) != w.pushed {
			t.Errorf("group %d: %s × %d rows=%d pages=%d requests=%d cached=%d ahead=%d pushed %q; want %+v",
				i+1, g.Table, g.Count, g.Rows, g.Pages, g.Requests, g.Cached, g.Ahead, g.terms(g.Pushed), w)
		}
	}
}

// TestExplainJSONWrite: explain -f json of a write is a dry run: the
// reads are listed as for a query, and each request it would send is in
// would_send; explain sends only GETs.
func TestExplainJSONWrite(t *testing.T) {
	const upd = `UPDATE messages SET is_read = 1 WHERE folder_id = 'inbox' AND is_read = 0 AND subject LIKE 'Weekly digest%'`
	out, stderr, code := binRun(t, t.TempDir(), "", "explain", "--demo", "-f", "json", upd)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var p struct {
		Rows      []any `json:"rows"`
		DryRun    bool  `json:"dry_run"`
		WouldSend []struct {
			Method, URL, Body string
		} `json:"would_send"`
		Scans []struct {
			Table string `json:"table"`
			Rows  int    `json:"rows"`
		} `json:"scans"`
		Requests []struct {
			Method string `json:"method"`
		} `json:"requests"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if !p.DryRun || len(p.Scans) != 1 || p.Scans[0].Table != "messages" || p.Scans[0].Rows == 0 || len(p.WouldSend) != p.Scans[0].Rows {
		t.Fatalf("plan %+v", p)
	}
	for _, w := range p.WouldSend {
		if w.Method != "PATCH" || !strings.HasPrefix(w.URL, "/me/messages/") || w.Body != `{"isRead":true}` {
			t.Errorf("would send %+v", w)
		}
	}
	for _, r := range p.Requests {
		if r.Method != "GET" {
			t.Errorf("explain sent a %s", r.Method)
		}
	}
}

// TestExplainJSONPartitions: explain -f json lists the chains of a
// partitioned scan with their ranges, first URLs, requests and rows.
func TestExplainJSONPartitions(t *testing.T) {
	f := newTenantFixture(t)
	f.env.Server.SetPageCap(100) // 400 messages: four pages
	t.Cleanup(func() { f.env.Server.SetPageCap(0) })
	out, _, err := cli("explain", "-f", "json", "-c", f.env.ConnString("ParallelScanMinPages=2"), "SELECT id, body FROM messages")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Rows  []any `json:"rows"`
		Scans []struct {
			Rows       int64 `json:"rows"`
			Partitions []struct {
				Range    string `json:"range"`
				URL      string `json:"url"`
				Requests int    `json:"requests"`
				Rows     int64  `json:"rows"`
			} `json:"partitions"`
		} `json:"scans"`
		Requests []any `json:"requests"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not one JSON object: %v\n%.2000s", err, out)
	}
	if len(p.Rows) != 400 || len(p.Scans) != 1 || len(p.Scans[0].Partitions) != 4 || len(p.Requests) < 4 {
		t.Fatalf("%d rows, scans %+v, %d requests", len(p.Rows), p.Scans, len(p.Requests))
	}
	ranges := regexp.MustCompile(`^receivedDateTime (lt \S+|ge \S+ and lt \S+|ge \S+)$`)
	var sum int64
	for i, pt := range p.Scans[0].Partitions {
		sum += pt.Rows
		if !ranges.MatchString(pt.Range) || pt.Requests != 1 || pt.Rows != 100 || !strings.Contains(pt.URL, "/me/messages?") {
			t.Errorf("partition %d: %+v", i+1, pt)
		}
	}
	if sum != p.Scans[0].Rows {
		t.Errorf("partitions read %d rows, the scan %d", sum, p.Scans[0].Rows)
	}
}

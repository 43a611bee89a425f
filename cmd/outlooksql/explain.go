package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// scanGroup is one line of explain's scans: a scan, or many scans of the
// same table with the same pushed and checked terms but for their values
// (the inner scans of a nested-loop join, one per outer row), counted and
// with their figures summed.
type scanGroup struct {
	driver.Scan     // the first scan of the group; its figures are the sums
	Count       int // how many scans
	shape       string
}

// literal matches the values in a term's SQL or $filter: a quoted string,
// a blob, or a number (a date such as 2024-01-01T00:00:00Z too).
var literal = regexp.MustCompile(`[xX]?'(?:[^']|'')*'|\b\d[0-9A-Za-z:.+\-]*`)

// termShape is the term with its values replaced by "?".
func termShape(t plan.Term) string { return literal.ReplaceAllString(t.String(), "?") }

// groupScans collapses scans that differ only in their values into one
// group each, in the order of each group's first scan. The statement's
// first scan, the outermost loop of a join, stays a line of its own: the
// inner scans of a self-join are not counted with it.
func groupScans(scans []driver.Scan) []*scanGroup {
	var groups []*scanGroup
	byShape := map[string]*scanGroup{}
	for i, s := range scans {
		var b strings.Builder
		b.WriteString(s.Table)
		for _, t := range s.Pushed {
			b.WriteString("\x00p" + termShape(t))
		}
		for _, t := range s.Local {
			b.WriteString("\x00l" + termShape(t))
		}
		shape := b.String()
		if g := byShape[shape]; g != nil {
			g.Count++
			g.Rows += s.Rows
			g.Pages += s.Pages
			g.Requests += s.Requests
			g.Cached += s.Cached
			g.Ahead += s.Ahead
			g.Partitions = append(g.Partitions, s.Partitions...)
			g.URLs = append(g.URLs, s.URLs...)
			continue
		}
		g := &scanGroup{Scan: s, Count: 1, shape: shape}
		groups = append(groups, g)
		if i > 0 {
			byShape[shape] = g
		}
	}
	return groups
}

// terms renders the group's terms for the text plan: as they are for a
// single scan, with "?" for the values that differ for a group.
func (g *scanGroup) terms(ts []plan.Term) string {
	if len(ts) == 0 {
		return "(none)"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		if g.Count > 1 {
			parts[i] = termShape(t)
		} else {
			parts[i] = t.String()
		}
	}
	return strings.Join(parts, " AND ")
}

// printExplain lists the scans and Graph requests of the last statement;
// then, for a write statement (ran as a dry run), the requests it would
// have sent. Scans that differ only in their values are one line, with a
// count: "scan 2: attachments × 97 …".
func printExplain(conn *sql.Conn, w io.Writer, write bool) {
	scans, _ := driver.Scans(conn)
	reqs, _ := driver.Requests(conn)
	fmt.Fprintln(w)
	for i, g := range groupScans(scans) {
		cached, times := "", ""
		if g.Count > 1 {
			times = fmt.Sprintf(" × %d", g.Count)
		}
		if g.Cached > 0 {
			cached = fmt.Sprintf(" cached=%d", g.Cached) // identical requests served once
		}
		if g.Ahead > 0 {
			cached += fmt.Sprintf(" ahead=%d", g.Ahead) // answered by a batched lookup
		}
		fmt.Fprintf(w, "scan %d: %s%s  rows=%d pages=%d requests=%d%s\n", i+1, g.Table, times, g.Rows, g.Pages, g.Requests, cached)
		fmt.Fprintf(w, "  pushed to Graph:   %s\n", g.terms(g.Pushed))
		fmt.Fprintf(w, "  checked by SQLite: %s\n", g.terms(g.Local))
		if g.PartitionBounds != "" && g.Count == 1 {
			fmt.Fprintf(w, "  partition bounds:  %s\n", g.PartitionBounds)
		}
		if g.Count > 1 {
			if len(g.Partitions) > 0 {
				fmt.Fprintf(w, "  partitions: %d\n", len(g.Partitions))
			}
			continue
		}
		for j, p := range g.Partitions { // a scan split into concurrent chains
			fmt.Fprintf(w, "  partition %d: %s  requests=%d rows=%d\n", j+1, p.Range, p.Requests, p.Rows)
		}
	}
	printLookaheads(conn, w)
	var bytes int64
	fmt.Fprintf(w, "graph requests: %d\n", len(reqs))
	for i, r := range reqs {
		bytes += r.Bytes
		fmt.Fprintf(w, "  %2d %s %s -> %s, %d bytes, %s\n", i+1, r.Method, r.URL, statusText(r), r.Bytes, r.Duration.Round(100_000))
		for _, in := range r.Inner { // the GETs of a $batch
			fmt.Fprintf(w, "       %s %s -> %s\n", in.Method, in.URL, statusText(in))
		}
	}
	fmt.Fprintf(w, "total: %d requests, %d bytes\n", len(reqs), bytes)
	planned, _ := driver.PlannedRequests(conn)
	if !write && len(planned) == 0 {
		return
	}
	for _, p := range planned {
		line := "would send: " + p.Method + " " + p.URL
		if p.Body != "" {
			line += " " + clipBody(p.Body)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "dry run: %d %s would be sent; nothing was sent\n", len(planned), plural(int64(len(planned)), "request"))
}

// statusText is a request's HTTP status, or its error when it has one.
func statusText(r driver.Request) string {
	if r.Err != "" {
		return r.Err
	}
	return fmt.Sprint(r.Status)
}

// jsonPlan is explain's plan as JSON (-f json): the rows, the scans, the
// batched lookups, the requests and what a write would send.
type jsonPlan struct {
	Rows     json.RawMessage `json:"rows"`            // the result, as -f json writes it; null when the statement failed
	Error    string          `json:"error,omitempty"` // why the statement failed
	Scans    []jsonScan      `json:"scans"`
	Lookups  []jsonLookup    `json:"batched_lookups"`
	Requests []jsonRequest   `json:"requests"`
	Total    struct {
		Requests int   `json:"requests"`
		Bytes    int64 `json:"bytes"`
	} `json:"total"`
	WouldSend []jsonPlanned `json:"would_send,omitempty"` // a write's dry run
	DryRun    bool          `json:"dry_run,omitempty"`
}

type jsonScan struct {
	Scan       int             `json:"scan"`
	Table      string          `json:"table"`
	Count      int             `json:"count"` // scans of this shape (the inner scans of a join)
	Rows       int64           `json:"rows"`
	Pages      int             `json:"pages"`
	Requests   int             `json:"requests"`
	Cached     int             `json:"cached"`
	Ahead      int             `json:"ahead"`
	Pushed     []jsonTerm      `json:"pushed"`
	Local      []string        `json:"local"`
	Partitions []jsonPartition `json:"partitions,omitempty"`
	// PartitionBounds says where a split scan's bounds came from.
	PartitionBounds string `json:"partition_bounds,omitempty"`
}

type jsonTerm struct {
	SQL  string `json:"sql"`  // the constraint, "?" for the values of a group of scans
	Sent string `json:"sent"` // what the scan did with it: "path", "$orderby=…", the $filter, …
}

type jsonPartition struct {
	Range    string `json:"range"`
	URL      string `json:"url"`
	Requests int    `json:"requests"`
	Rows     int64  `json:"rows"`
}

type jsonLookup struct {
	Table      string `json:"table"`
	Column     string `json:"column"`
	From       string `json:"from"`
	Prefetched int    `json:"prefetched"`
	Requests   int    `json:"requests"`
	Served     int    `json:"served"`
	Dropped    int    `json:"dropped"`
}

type jsonRequest struct {
	Method     string        `json:"method"`
	URL        string        `json:"url"`
	Status     int           `json:"status"` // 0 when no response arrived
	Error      string        `json:"error,omitempty"`
	Bytes      int64         `json:"bytes"`
	DurationMS float64       `json:"duration_ms"`
	Attempt    int           `json:"attempt,omitempty"`
	WaitMS     float64       `json:"wait_ms,omitempty"`
	Inner      []jsonRequest `json:"inner,omitempty"` // the GETs of a $batch
}

type jsonPlanned struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Body   string `json:"body,omitempty"`
}

// buildJSONPlan gathers the last statement's plan; rows is the result as
// JSON (nil when the statement failed, with stmtErr).
func buildJSONPlan(conn *sql.Conn, rows []byte, write bool, stmtErr error) *jsonPlan {
	p := &jsonPlan{Rows: rows, Scans: []jsonScan{}, Lookups: []jsonLookup{}, Requests: []jsonRequest{}}
	if len(rows) == 0 {
		p.Rows = json.RawMessage("null")
	}
	if stmtErr != nil {
		p.Error = stmtErr.Error()
	}
	scans, _ := driver.Scans(conn)
	for i, g := range groupScans(scans) {
		s := jsonScan{Scan: i + 1, Table: g.Table, Count: g.Count, Rows: g.Rows, Pages: g.Pages,
			Requests: g.Requests, Cached: g.Cached, Ahead: g.Ahead, Pushed: []jsonTerm{}, Local: []string{}}
		for _, t := range g.Pushed {
			text := t.String()
			if g.Count > 1 {
				text = termShape(t)
			}
			sqlPart, sent, _ := strings.Cut(text, " → ")
			s.Pushed = append(s.Pushed, jsonTerm{SQL: sqlPart, Sent: sent})
		}
		for _, t := range g.Local {
			if g.Count > 1 {
				s.Local = append(s.Local, termShape(t))
			} else {
				s.Local = append(s.Local, t.String())
			}
		}
		for _, pt := range g.Partitions {
			s.Partitions = append(s.Partitions, jsonPartition{Range: pt.Range, URL: pt.URL, Requests: pt.Requests, Rows: pt.Rows})
		}
		if g.Count == 1 {
			s.PartitionBounds = g.PartitionBounds
		}
		p.Scans = append(p.Scans, s)
	}
	las, _ := driver.Lookaheads(conn)
	for _, l := range las {
		p.Lookups = append(p.Lookups, jsonLookup{Table: l.Table, Column: l.Column, From: l.From,
			Prefetched: l.Prefetched, Requests: l.Requests, Served: l.Served, Dropped: l.Dropped})
	}
	reqs, _ := driver.Requests(conn)
	for _, r := range reqs {
		p.Requests = append(p.Requests, toJSONRequest(r))
		p.Total.Bytes += r.Bytes
	}
	p.Total.Requests = len(reqs)
	planned, _ := driver.PlannedRequests(conn)
	for _, pr := range planned {
		p.WouldSend = append(p.WouldSend, jsonPlanned{Method: pr.Method, URL: pr.URL, Body: pr.Body})
	}
	p.DryRun = write || len(planned) > 0
	return p
}

func toJSONRequest(r driver.Request) jsonRequest {
	j := jsonRequest{Method: r.Method, URL: r.URL, Status: r.Status, Error: r.Err, Bytes: r.Bytes,
		DurationMS: float64(r.Duration.Microseconds()) / 1000, Attempt: r.Attempt, WaitMS: float64(r.Wait.Microseconds()) / 1000}
	for _, in := range r.Inner {
		j.Inner = append(j.Inner, toJSONRequest(in))
	}
	return j
}

// writeJSONPlan writes the plan as one indented JSON object.
func writeJSONPlan(w io.Writer, p *jsonPlan) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // URLs keep their &
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return writeError{err}
	}
	return nil
}

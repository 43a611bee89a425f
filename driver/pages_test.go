package driver_test

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// pageLog is the $top, $skip and status of each message listing the fake
// served.
func pageLog(s *fakegraph.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if strings.HasSuffix(r.Path, "/messages") {
			out = append(out, fmt.Sprintf("top=%s skip=%s %d", r.Query.Get("$top"), r.Query.Get("$skip"), r.Status))
		}
	}
	return out
}

// TestBodyPagesAdapt: a scan that selects bodies asks for pages of 500;
// when Graph answers 504 to a page too large to build, the page is asked
// for again at 250 from the same position, and the size grows back after
// pages that succeed. The rows are exactly those of a scan without 504s.
func TestBodyPagesAdapt(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 1, MessagesPerUser: 1000})
	const q = "SELECT id, subject, body FROM messages"

	// The largest page of 250 and the smallest of 500, to set the 504
	// between them.
	// Pages in sequence (ParallelScans=1), so that rows and requests
	// compare in order.
	capped := newEnv(t, tenant, []string{"ParallelScans=1"}, fakegraph.WithPageCap(250))
	want := capped.query(t, q)
	hi250 := 0
	for _, r := range capped.Server.Requests() {
		hi250 = max(hi250, r.Bytes)
	}
	e := newEnv(t, tenant, []string{"ParallelScans=1"})
	if got := e.query(t, q); !reflect.DeepEqual(got, want) {
		t.Fatalf("pages of 500 and of 250 disagree: %d and %d rows", len(got), len(want))
	}
	lo500 := 1 << 30
	for _, r := range e.Server.Requests() {
		lo500 = min(lo500, r.Bytes)
	}
	if got := pageLog(e.Server); !reflect.DeepEqual(got, []string{"top=500 skip= 200", "top=500 skip=500 200"}) {
		t.Fatalf("without 504s: %q", got)
	}
	if hi250 >= lo500 {
		t.Fatalf("pages of 250 (up to %d bytes) are not smaller than pages of 500 (from %d)", hi250, lo500)
	}

	e.Server.SetMaxPageBytes(hi250)
	e.Server.ResetRequests()
	got := e.query(t, q)
	if len(got) != 1000 || !reflect.DeepEqual(got, want) {
		t.Errorf("%d rows with 504s, want the %d of the scan without", len(got), len(want))
	}
	wantLog := []string{
		"top=500 skip= 504", "top=250 skip= 200", "top=250 skip=250 200",
		"top=500 skip=500 504", // grown back after two pages; too large again
		"top=250 skip=500 200", "top=250 skip=750 200",
	}
	if got := pageLog(e.Server); !reflect.DeepEqual(got, wantLog) {
		t.Errorf("requests\n%q\nwant\n%q", got, wantLog)
	}
}

// TestAttachmentScanPages: attachments of every message come from one
// listing of messages?$expand=attachments in pages of 1000 messages, and
// hold every attachment once.
func TestAttachmentScanPages(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 1, MessagesPerUser: 1500})
	var want [][]string
	for _, m := range tenant.Users[0].Messages {
		for _, a := range m.Attachments {
			want = append(want, []string{strconv.Quote(m.ID), strconv.Quote(a.ID)})
		}
	}
	e := newEnv(t, tenant, nil)
	got := sorted(e.query(t, "SELECT message_id, id FROM attachments"))
	if len(want) == 0 || !reflect.DeepEqual(got, sorted(want)) {
		t.Errorf("%d attachments, want %d", len(got), len(want))
	}
	wantLog := []string{"top=1000 skip= 200", "top=1000 skip=1000 200"}
	if got := pageLog(e.Server); !reflect.DeepEqual(got, wantLog) {
		t.Errorf("requests %q, want %q", got, wantLog)
	}
	for _, r := range e.Server.Requests() {
		if r.Query.Get("$expand") != "attachments($select=id)" {
			t.Errorf("request %s?%s does not expand attachments", r.Path, r.RawQuery)
		}
	}
}

// TestBodyPagesAdaptFanOut: when the first page of one of several
// mailboxes, fetched ahead, answers 504, that mailbox is read from pages
// half as large; the rows are exact.
func TestBodyPagesAdaptFanOut(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 2, MessagesPerUser: 300})
	a, b := tenant.Users[0].UserPrincipalName, tenant.Users[1].UserPrincipalName
	q := "SELECT user_id, id, body FROM messages WHERE user_id IN ('" + a + "', '" + b + "')"
	for _, mode := range []string{"Concurrent", "Batch"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, tenant, []string{"FanOut=" + mode})
			want := sorted(e.query(t, q))
			e.Server.ResetRequests()
			e.Server.FailNext(1, 504, "")
			got := sorted(e.query(t, q))
			if len(got) != 600 || !reflect.DeepEqual(got, want) {
				t.Errorf("%d rows after a 504, want the %d without", len(got), len(want))
			}
			var failed string
			var log []string
			for _, r := range e.Server.Requests() {
				for _, r := range append([]fakegraph.Request{r}, r.Inner...) {
					if !strings.HasSuffix(r.Path, "/messages") {
						continue
					}
					line := fmt.Sprintf("top=%s skip=%s %d", r.Query.Get("$top"), r.Query.Get("$skip"), r.Status)
					if r.Status == 504 {
						failed = r.Path
					}
					if r.Path == failed {
						log = append(log, line)
					}
				}
			}
			if want := []string{"top=500 skip= 504", "top=250 skip= 200", "top=250 skip=250 200"}; !reflect.DeepEqual(log, want) {
				t.Errorf("the failed mailbox's requests %q, want %q", log, want)
			}
		})
	}
}

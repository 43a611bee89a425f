package driver_test

// Checks of the write differential's harness on its own, before the write
// path exists: a simulation stands in for the driver and changes the
// fake's tenant directly (through Server.Update) the way a correct write
// path would, server-assigned values included (new change keys and times,
// HTML bodies wrapped as Graph does, new ids). The harness must pass it on
// every default seed, and must fail each simulation with a planted fault.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// wdSim simulates the write path on the fake's tenant.
type wdSim struct {
	srv     *fakegraph.Server
	me      string
	fault   string
	inTx    bool
	pending []wdPending
	lastID  string
	n       int
}

type wdPending struct {
	st      *wdStmt
	matched []string
}

func (s *wdSim) exec(h *wdHarness, text string, args []any, st *wdStmt) error {
	switch {
	case st == nil && text == "BEGIN":
		s.inTx, s.pending = true, nil
		return nil
	case st == nil && text == "COMMIT":
		for _, p := range s.pending {
			s.apply(p)
		}
		s.inTx, s.pending = false, nil
		return nil
	case st == nil && text == "ROLLBACK":
		if s.fault == "rollback-sends" {
			for _, p := range s.pending {
				s.apply(p)
			}
		}
		s.inTx, s.pending = false, nil
		return nil
	case st == nil:
		return fmt.Errorf("wdSim: %s", text)
	}
	var matched []string
	if st.kind != "insert" {
		var err error
		if matched, err = wdMatch(h.plain, st); err != nil {
			return err
		}
	}
	// The checks before any request, on a throwaway copy.
	var check wdOutcome
	s.srv.Update(func(t *fakegraph.Tenant) {
		check = (&wdModel{t: wdCopyTenant(t), me: s.me}).apply(st, matched)
	})
	if len(check.errCols) > 0 {
		if s.fault == "draft-anyway" && slices.Contains(wdDraftCols, check.errCols[0]) {
			return nil // succeeds, changing nothing
		}
		return fmt.Errorf("cannot write column %s", strings.Join(check.errCols, ", "))
	}
	if check.eitherWay {
		return nil
	}
	p := wdPending{st, matched}
	if s.inTx && s.fault != "early-flush" {
		s.pending = append(s.pending, p)
		return nil
	}
	s.apply(p)
	return nil
}

func (s *wdSim) lastInsertID(h *wdHarness) (string, error) {
	if s.fault == "wrong-last-id" && s.lastID != "" {
		return s.lastID + "x", nil
	}
	return s.lastID, nil
}

// apply makes the statement's changes on the fake's tenant, as Graph
// would, with the planted fault.
func (s *wdSim) apply(p wdPending) {
	s.srv.Update(func(t *fakegraph.Tenant) {
		m := &wdModel{t: t, me: s.me}
		u := m.user(p.st.box)
		before := map[string]*fakegraph.Message{}
		for _, id := range p.matched {
			if x := m.find(u, id); x != nil {
				before[id] = wdCopyMessage(x)
			}
		}
		out := m.apply(p.st, p.matched)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(s.n) * time.Second)
		for k, vol := range out.vol {
			x := m.find(m.user(k.upn), k.id)
			s.n++
			x.ChangeKey = fmt.Sprintf("CQAAABYAAADsim%06d", s.n)
			x.LastModifiedDateTime = now
			if vol["flag.dates"] && x.Flag.Status != "notFlagged" {
				x.Flag.Start, x.Flag.Due = &now, &now
				if x.Flag.Status == "complete" {
					x.Flag.Completed = &now
				}
			}
			if vol["body.content"] {
				if x.Body.ContentType == "html" {
					x.Body.Content = "<html><head></head><body>" + x.Body.Content + "</body></html>"
				}
				x.BodyPreview, x.UniqueBody = "", nil
			}
		}
		for _, n := range out.inserts {
			s.n++
			id := base64.URLEncoding.EncodeToString([]byte(fmt.Sprintf("AAMkAGsimulated-draft-%08d", s.n)))
			d := &fakegraph.Message{ID: id, ParentFolderID: n.parent, Subject: n.row.subject, IsDraft: true, IsRead: true,
				Importance: "normal", InferenceClassification: "focused", Flag: fakegraph.Flag{Status: "notFlagged"},
				ChangeKey: "CQAAABYAAADnew", CreatedDateTime: now, LastModifiedDateTime: now, ReceivedDateTime: now, SentDateTime: now,
				ConversationID: "AAQkAGsim" + id, InternetMessageID: "<" + id + "@sim>", Body: fakegraph.ItemBody{ContentType: "text"}}
			if n.row.body != nil {
				d.Body = *n.row.body
			}
			d.ToRecipients = n.row.to
			if n.row.importance != "" {
				d.Importance = n.row.importance
			}
			nu := m.user(n.upn)
			nu.Messages = append(nu.Messages, d)
			s.lastID = id
		}
		switch s.fault {
		case "skip-one":
			if p.st.kind == "update" && len(p.matched) > 0 {
				*m.find(u, p.matched[0]) = *before[p.matched[0]]
			}
		case "extra-change":
			if p.st.kind == "update" {
				for _, x := range u.Messages {
					if !slices.Contains(p.matched, x.ID) {
						x.IsRead = !x.IsRead
						break
					}
				}
			}
		case "merge-categories":
			for _, set := range p.st.set {
				if set.col != "categories" {
					continue
				}
				for _, id := range p.matched {
					x := m.find(u, id)
					for _, c := range before[id].Categories {
						if !slices.Contains(x.Categories, c) {
							x.Categories = append(x.Categories, c)
						}
					}
				}
			}
		case "move-new-id":
			if p.st.kind == "move" && len(p.matched) > 0 {
				x := m.find(u, p.matched[0])
				x.ID = "AAMkAGmoved" + x.ID[11:]
			}
		case "delete-extra":
			if p.st.kind == "delete" && len(p.matched) > 0 {
				for i, x := range u.Messages {
					if !slices.Contains(p.matched, x.ID) {
						u.Messages = slices.Delete(u.Messages, i, i+1)
						break
					}
				}
			}
		case "html-unchanged":
			for k, vol := range out.vol {
				if vol["body.content"] {
					x := m.find(m.user(k.upn), k.id)
					x.Body.Content = "<html><body>something else</body></html>"
				}
			}
		}
	})
}

// wdAbort stops a harness run under wdRecorder.
type wdAbort struct{}

// wdRecorder is a testing.TB whose Fatal records the message and stops
// the harness (by a panic the caller recovers).
type wdRecorder struct {
	testing.TB
	msg string
}

func (r *wdRecorder) Helper() {}
func (r *wdRecorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	panic(wdAbort{})
}
func (r *wdRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(wdAbort{})
}

// runSim runs one sequence against the simulation with a fault ("": none)
// and returns the harness's failure ("" when it passed) and the harness.
func runSim(t *testing.T, seed uint64, fault string) (msg string, h *wdHarness) {
	tenant := wdTenant()
	srv := fakegraph.New(tenant, fakegraph.WithPageCap(diffPageCap))
	t.Cleanup(srv.Close)
	me := tenant.Users[0].UserPrincipalName
	rec := &wdRecorder{TB: t}
	sim := &wdSim{srv: srv, me: me, fault: fault}
	h = newWDHarness(rec, seed, tenant, srv, me, sim)
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(wdAbort); !ok {
				panic(r)
			}
			msg = rec.msg
		}
	}()
	h.runSequence(wdStepCount())
	return "", h
}

// TestWriteDifferentialHarness runs the write differential's sequences
// against a simulation of a correct write path: the harness must pass it,
// having run every kind of statement, transactions, errors and inserts.
func TestWriteDifferentialHarness(t *testing.T) {
	kinds := map[string]int{}
	stmts, errs, matched, none := 0, 0, 0, 0
	for _, seed := range wdSeeds(t) {
		msg, h := runSim(t, seed, "")
		if msg != "" {
			t.Fatalf("the harness fails a correct simulation:\n%s", msg)
		}
		for k, v := range h.kinds {
			kinds[k] += v
		}
		stmts, errs, matched, none = stmts+h.stmts, errs+h.errs, matched+h.matched, none+h.none
	}
	t.Logf("%d statements %v (%d autocommit ones matched no item), %d items matched, %d failed as expected", stmts, kinds, none, matched, errs)
	for _, k := range []string{"update", "move", "delete", "insert", "update in tx", "move in tx", "delete in tx", "insert in tx"} {
		if kinds[k] == 0 && len(wdSeeds(t)) > 1 {
			t.Errorf("no %q statement ran: the generator lost coverage", k)
		}
	}
	if errs == 0 && len(wdSeeds(t)) > 1 {
		t.Error("no statement failed: the error rules went untested")
	}
	if stmts < 150 && len(wdSeeds(t)) > 1 {
		t.Errorf("only %d statements", stmts)
	}
}

// TestWriteDifferentialFinds plants one fault at a time in the simulation:
// the harness must report each, on at least one default seed.
func TestWriteDifferentialFinds(t *testing.T) {
	for _, tc := range []struct{ fault, want string }{
		{"skip-one", "changed by the statement"},
		{"extra-change", "untouched by the statement"},
		{"merge-categories", "categories"},
		{"draft-anyway", "it must fail naming"},
		{"rollback-sends", "ROLLBACK"},
		{"early-flush", "before COMMIT"},
		{"wrong-last-id", "last_insert_id()"},
		{"move-new-id", "is gone"},
		{"delete-extra", "is gone"},
		{"html-unchanged", "body.content"},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			var got []string
			for _, seed := range wdDefaultSeeds {
				msg, _ := runSim(t, seed, tc.fault)
				if msg == "" {
					continue
				}
				got = append(got, msg)
				if strings.Contains(msg, tc.want) && strings.Contains(msg, fmt.Sprintf("seed %d", seed)) &&
					strings.Contains(msg, "-writediff.seed=") {
					return
				}
			}
			t.Fatalf("the harness did not report the fault %q with %q; it reported:\n%s", tc.fault, tc.want,
				errors.Join(func() []error {
					var es []error
					for _, g := range got {
						es = append(es, errors.New(clipText(g, 800)))
					}
					return es
				}()...))
		})
	}
}

// TestWriteModel checks the model and the plain copy on their own: fixed
// statements applied to the model, the copy rebuilt from it, and queries
// over the copy that must see each rule of SCHEMA.md.
func TestWriteModel(t *testing.T) {
	tenant := wdTenant()
	me := tenant.Users[0].UserPrincipalName
	other := tenant.Users[2].UserPrincipalName
	h := newWDHarness(t, 1, tenant, nil, me, nil)
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := h.plain.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	apply := func(st *wdStmt) (wdOutcome, []string) {
		t.Helper()
		ids, err := wdMatch(h.plain, st)
		if err != nil {
			t.Fatal(err)
		}
		out := h.model.apply(st, ids)
		h.refresh()
		return out, ids
	}
	all := func(box string) int {
		return count("SELECT count(*) FROM messages WHERE user_id = ? AND folder_id IS NULL", box)
	}
	total, totalOther := all("me"), all(other)
	if total != 400 || totalOther != 400 {
		t.Fatalf("%d and %d messages, want 400 each", total, totalOther)
	}
	scope := "SELECT messages.id FROM messages WHERE messages.user_id = 'me' AND messages.folder_id IS NULL AND "

	// PATCH: exactly the matched items change, in the model and the copy.
	high := count("SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'high'")
	out, ids := apply(&wdStmt{kind: "update", box: "me", matchSQL: scope + "messages.importance = 'high'",
		set: []wdSet{{"is_read", int64(1)}, {"categories", `["wd model"]`}, {"flag_status", "complete"}}})
	if len(ids) != high || high == 0 || len(out.errCols) > 0 || len(out.vol) != high {
		t.Fatalf("PATCH matched %d of %d high items, errors %v, %d volatile", len(ids), high, out.errCols, len(out.vol))
	}
	if n := count("SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance = 'high' AND " +
		`(is_read = 0 OR categories != '["wd model"]' OR flag_status != 'complete')`); n != 0 {
		t.Errorf("%d high items not changed in the copy", n)
	}
	if n := count(`SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND importance != 'high' AND categories = '["wd model"]'`); n != 0 {
		t.Errorf("%d other items changed in the copy", n)
	}
	if !out.vol[wdKey{me, ids[0]}]["flag.dates"] || out.vol[wdKey{me, ids[0]}]["body.content"] {
		t.Errorf("volatile properties of a flag change: %v", out.vol[wdKey{me, ids[0]}])
	}
	// NOT is_read flips each item.
	unread := count("SELECT count(*) FROM messages WHERE user_id = ? AND folder_id IS NULL AND is_read = 0", other)
	apply(&wdStmt{kind: "update", box: other, matchSQL: "SELECT id FROM messages WHERE user_id = " + sqlLiteral(other) + " AND folder_id IS NULL",
		set: []wdSet{{"is_read", wdNot{}}}})
	if n := count("SELECT count(*) FROM messages WHERE user_id = ? AND folder_id IS NULL AND is_read = 1", other); n != unread {
		t.Errorf("NOT is_read: %d read, want %d", n, unread)
	}

	// Draft-only columns: an error naming them when a sent item matches,
	// and nothing changes; fine on drafts only.
	before := count("SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND subject = 'x'")
	out, _ = apply(&wdStmt{kind: "update", box: "me", matchSQL: scope + "messages.is_draft = 0 LIMIT 3",
		set: []wdSet{{"is_read", int64(0)}, {"subject", "x"}}})
	if !slices.Equal(out.errCols, []string{"subject"}) || len(out.vol) != 0 {
		t.Errorf("draft-only column on sent items: errors %v, %d changed", out.errCols, len(out.vol))
	}
	if n := count("SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id IS NULL AND subject = 'x'"); n != before {
		t.Errorf("a failing statement changed the copy")
	}
	out, ids = apply(&wdStmt{kind: "update", box: "me", matchSQL: scope + "messages.is_draft = 1",
		set: []wdSet{{"subject", "x"}, {"body", "<p>x</p>"}, {"body_content_type", "html"}, {"to_recipients", `[{"name":"Bob","address":"bob@contoso.com"}]`}}})
	if len(out.errCols) > 0 || len(ids) == 0 {
		t.Fatalf("draft-only columns on %d drafts: errors %v", len(ids), out.errCols)
	}
	if n := count(`SELECT count(*) FROM messages WHERE user_id = 'me' AND folder_id = 'drafts' AND subject = 'x' AND body = '<p>x</p>' AND ` +
		`body_content_type = 'html' AND to_recipients = '[{"name":"Bob","address":"bob@contoso.com"}]'`); n != len(ids) {
		t.Errorf("%d drafts changed in the copy, want %d", n, len(ids))
	}
	// Read-only columns: an error when an item matches, either way when none.
	out, _ = apply(&wdStmt{kind: "update", box: "me", matchSQL: scope + "1", set: []wdSet{{"received_date_time", "2001-01-01T00:00:00Z"}}})
	if !slices.Equal(out.errCols, []string{"received_date_time"}) {
		t.Errorf("read-only column: errors %v", out.errCols)
	}
	out, _ = apply(&wdStmt{kind: "update", box: "me", matchSQL: scope + "0", set: []wdSet{{"id", "x"}}})
	if !out.eitherWay || len(out.errCols) > 0 {
		t.Errorf("read-only column, no item: %+v", out)
	}

	// Move: the ids stay, the folder is the real id, the copy's folder
	// scope follows.
	_, ids = apply(&wdStmt{kind: "move", box: other, dest: "archive",
		matchSQL: "SELECT id FROM messages WHERE user_id = " + sqlLiteral(other) + " AND folder_id = 'inbox' AND importance = 'low'"})
	archive := wdFolder(h.model.user(other), "archive")
	if len(ids) == 0 || archive == "" {
		t.Fatalf("moved %d items to %q", len(ids), archive)
	}
	if n := count("SELECT count(*) FROM messages WHERE user_id = ? AND folder_id = 'archive' AND parent_folder_id = ? AND id IN (SELECT value FROM json_each(?))",
		other, archive, mustJSON(ids)); n != len(ids) {
		t.Errorf("%d moved items in the archive of the copy, want %d", n, len(ids))
	}
	if n := count("SELECT count(*) FROM messages WHERE user_id = ? AND folder_id = 'inbox' AND importance = 'low'", other); n != 0 {
		t.Errorf("%d moved items still in the inbox of the copy", n)
	}

	// Delete: gone, from the copy too; the other mailbox keeps its own.
	_, ids = apply(&wdStmt{kind: "delete", box: "me", matchSQL: scope + "messages.importance = 'low'"})
	if all("me") != total-len(ids) || len(ids) == 0 || all(other) != totalOther {
		t.Errorf("after deleting %d: %d and %d messages", len(ids), all("me"), all(other))
	}

	// Insert: the model expects drafts in Drafts or the folder given.
	out, _ = apply(&wdStmt{kind: "insert", box: other, folder: "inbox", rows: []wdRow{{subject: "a"}, {subject: "b"}}})
	if len(out.inserts) != 2 || out.inserts[0].parent != wdFolder(h.model.user(other), "inbox") || out.inserts[1].upn != other {
		t.Errorf("inserts: %+v", out.inserts)
	}
	out, _ = apply(&wdStmt{kind: "insert", box: "me", rows: []wdRow{{subject: "c"}}})
	if len(out.inserts) != 1 || out.inserts[0].parent != wdFolder(h.model.user(me), "drafts") || out.inserts[0].upn != me {
		t.Errorf("inserts: %+v", out.inserts)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

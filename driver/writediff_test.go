package driver_test

// The write differential: random sequences of UPDATE, DELETE, INSERT and
// move statements, with random predicates from the read differential's
// generator (diff_test.go), run through the driver against the fake tenant,
// and applied to a model of the mailboxes written here with Graph's rules
// (writediff_model_test.go). After every statement the fake's messages
// must agree with the model item for item: what the statement may change
// as the model says, everything else as it was; new ids, change keys,
// modification times and previews for presence only. The statement must
// fail exactly when the model says (naming the column), and Graph must
// reject none of the write requests it makes. Statements also run inside
// BEGIN … COMMIT (sent at COMMIT, nothing before) and BEGIN … ROLLBACK
// (nothing sent at all).
//
// Each sequence is one seed, on a tenant of its own. Reproduce one with
//
//	go test ./driver/ -run 'TestWriteDifferential$' -count=1 -args -writediff.seed=N
//
// or OUTLOOKSQL_WRITEDIFF_SEED=N; -writediff.statements=K changes the
// length of a sequence.
//
// What the generator avoids, and why (contract gaps, not bugs):
//   - Values that do not change anything for read-only columns (the
//     driver may or may not see "SET id = id" as a write).
//   - Setting body without body_content_type, and body_content_type alone.
//   - Read-only and draft-only errors inside a transaction (whether they
//     surface at the statement or at COMMIT is the implementer's call).
//   - Moves into folders Graph treats specially (outbox, sync issues).
//   - Mixing a move with property changes in one UPDATE.
//   - Bare address lists for recipients (the name Graph resolves is not
//     the contract's).
//   - In a committed transaction: statements whose WHERE would match other
//     items if reads saw the earlier statements' pending changes (see
//     runTx); updates of the same column twice; a move, delete or insert
//     anywhere but last.
//   - Moves and deletes of more than 25 and 20 items (a sequence must not
//     empty the mailboxes).
//
// The harness itself is checked in writediff_sim_test.go: against a
// simulated write path it passes, and it reports each planted fault.

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

var (
	wdSeedFlag  = flag.Uint64("writediff.seed", 0, "run only this sequence of TestWriteDifferential")
	wdStmtsFlag = flag.Int("writediff.statements", 0, "statements per sequence of TestWriteDifferential (0: default)")
)

// wdDefaultSeeds are the sequences CI runs; each has wdSteps steps.
// Seed 24 once found the same message named "me" in one statement and by
// its address in the next of a transaction: its PATCH and DELETE raced.
var wdDefaultSeeds = []uint64{1, 2, 3, 4, 5, 6, 24}

const wdSteps = 24

func wdSeeds(tb testing.TB) []uint64 {
	if *wdSeedFlag != 0 {
		return []uint64{*wdSeedFlag}
	}
	if s := os.Getenv("OUTLOOKSQL_WRITEDIFF_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			tb.Fatalf("OUTLOOKSQL_WRITEDIFF_SEED=%q: %v", s, err)
		}
		return []uint64{n}
	}
	return wdDefaultSeeds
}

func wdStepCount() int {
	if *wdStmtsFlag > 0 {
		return *wdStmtsFlag
	}
	return wdSteps
}

// wdTenant is a fresh tenant for a sequence: the read differential's data
// (4 users of 400 messages and a user without a mailbox), generated anew
// because the fake changes it.
func wdTenant() *fakegraph.Tenant {
	t := fakegraph.Generate(fakegraph.GenConfig{Seed: 42, Users: 4, MessagesPerUser: 400})
	t.Users = append(t.Users, &fakegraph.User{
		ID:                "5c1d7a2e-3b4f-4e6a-9d8c-7f0e1a2b3c4d",
		DisplayName:       "Scanner Service",
		UserPrincipalName: "scanner@" + t.Domain,
		BusinessPhones:    []string{},
		NoMailbox:         true,
	})
	return t
}

var (
	wdPoolsOnce sync.Once
	wdPoolsVal  *diffPools
	wdPoolsErr  error
)

// wdPools are the generator's values, from the first state of the data
// (the same for every sequence).
func wdPools(me string) (*diffPools, error) {
	wdPoolsOnce.Do(func() {
		t := wdTenant()
		db, err := sql.Open("sqlite3", ":memory:")
		if err != nil {
			wdPoolsErr = err
			return
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		if wdPoolsErr = wdLoadPlain(db, t, me); wdPoolsErr != nil {
			return
		}
		wdPoolsVal, wdPoolsErr = loadPools(db, t, me)
	})
	return wdPoolsVal, wdPoolsErr
}

// --- executors ---

// wdExec runs SQL for the harness: through the driver, or (for checking
// the harness itself) by a simulation.
type wdExec interface {
	// exec runs one statement; st is nil for BEGIN, COMMIT and ROLLBACK.
	exec(h *wdHarness, text string, args []any, st *wdStmt) error
	// lastInsertID runs SELECT last_insert_id().
	lastInsertID(h *wdHarness) (string, error)
}

// wdDriver runs statements through the driver on the env's connection.
type wdDriver struct{ e *env }

func (d wdDriver) exec(h *wdHarness, text string, args []any, st *wdStmt) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := d.e.conn.ExecContext(ctx, text, args...)
	return err
}

func (d wdDriver) lastInsertID(h *wdHarness) (string, error) {
	var id sql.NullString
	err := d.e.conn.QueryRowContext(context.Background(), "SELECT last_insert_id()").Scan(&id)
	return id.String, err
}

// --- the harness ---

// wdHarness runs one sequence.
type wdHarness struct {
	tb    testing.TB
	seed  uint64
	srv   *fakegraph.Server
	conn  *sql.Conn // nil for the simulation
	exec  wdExec
	model *wdModel
	plain *sql.DB
	over  *sql.DB // see overlay
	g     *diffGen
	step  int // counts tags (unique text)
	at    int // the step of the sequence running
	// log of what ran, printed with a failure.
	history []string
	// stats
	stmts, nWrites, matched, errs, none int
	kinds                               map[string]int
}

func newWDHarness(tb testing.TB, seed uint64, tenant *fakegraph.Tenant, srv *fakegraph.Server, me string, exec wdExec) *wdHarness {
	tb.Helper()
	pools, err := wdPools(me)
	if err != nil {
		tb.Fatal(err)
	}
	h := &wdHarness{tb: tb, seed: seed, srv: srv, exec: exec, kinds: map[string]int{},
		model: &wdModel{t: wdCopyTenant(tenant), me: me}, g: newDiffGen(pools, seed)}
	h.plain, err = sql.Open("sqlite3", ":memory:")
	if err != nil {
		tb.Fatal(err)
	}
	h.plain.SetMaxOpenConns(1)
	tb.Cleanup(func() { h.plain.Close() })
	if err := wdLoadPlain(h.plain, h.model.t, me); err != nil {
		tb.Fatal(err)
	}
	return h
}

// fail reports a failure with the seed, the statement and what ran before.
func (h *wdHarness) fail(what string, st fmt.Stringer) {
	h.tb.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "write differential, seed %d, step %d: %s", h.seed, h.at, what)
	if st != nil {
		fmt.Fprintf(&b, "\nstatement: %s", st)
	}
	if n := len(h.history); n > 0 {
		b.WriteString("\nthe sequence so far (last 8):")
		for _, s := range h.history[max(0, n-8):] {
			b.WriteString("\n  " + clipText(s, 400))
		}
	}
	fmt.Fprintf(&b, "\nreproduce: go test ./driver/ -run 'TestWriteDifferential$' -count=1 -args -writediff.seed=%d", h.seed)
	h.tb.Fatal(b.String())
}

type wdText string

func (s wdText) String() string { return string(s) }

// snapshot deep-copies the fake's tenant under its lock.
func (h *wdHarness) snapshot() *fakegraph.Tenant {
	var c *fakegraph.Tenant
	h.srv.Update(func(t *fakegraph.Tenant) { c = wdCopyTenant(t) })
	return c
}

// compare checks the fake's messages against the model. vol are the
// volatile properties by item; inserts the drafts that must have appeared.
// It adopts the volatile values and the new drafts into the model, and
// returns the ids of the new drafts (in the order of inserts).
func (h *wdHarness) compare(st fmt.Stringer, out wdOutcome) []string {
	h.tb.Helper()
	snap := h.snapshot()
	var newIDs []string
	for _, mu := range h.model.t.Users {
		var fu *fakegraph.User
		for _, u := range snap.Users {
			if u.UserPrincipalName == mu.UserPrincipalName {
				fu = u
			}
		}
		if fu == nil {
			h.fail("the fake lost the user "+mu.UserPrincipalName, st)
		}
		// A soft delete may keep the item in Recoverable Items, which no
		// listing shows: such an item is gone.
		recoverable := map[string]bool{}
		for _, f := range fu.Folders {
			if strings.HasPrefix(strings.ToLower(f.WellKnownName), "recoverableitems") {
				recoverable[f.ID] = true
			}
		}
		got := map[string]*fakegraph.Message{}
		for _, m := range fu.Messages {
			if recoverable[m.ParentFolderID] {
				continue
			}
			if got[m.ID] != nil {
				h.fail(fmt.Sprintf("mailbox %s holds two messages with id %s", mu.UserPrincipalName, m.ID), st)
			}
			got[m.ID] = m
		}
		for _, m := range mu.Messages {
			g := got[m.ID]
			if g == nil {
				h.fail(fmt.Sprintf("mailbox %s: message %s (subject %q) is gone; the model keeps it", mu.UserPrincipalName, m.ID, m.Subject), st)
			}
			delete(got, m.ID)
			vol := out.vol[wdKey{mu.UserPrincipalName, m.ID}]
			if d := wdCompareItem(g, m, vol); d != "" {
				what := "untouched by the statement"
				if vol != nil {
					what = "changed by the statement"
				}
				h.fail(fmt.Sprintf("mailbox %s, message %s (%s): %s", mu.UserPrincipalName, m.ID, what, d), st)
			}
			wdAdopt(m, g, vol)
		}
		// What is left is new: drafts the statement inserted.
		var want []wdNew
		for _, n := range out.inserts {
			if n.upn == mu.UserPrincipalName {
				want = append(want, n)
			}
		}
		if len(got) != len(want) {
			var extra []string
			for id, m := range got {
				extra = append(extra, fmt.Sprintf("%s (subject %q, draft %v)", id, m.Subject, m.IsDraft))
			}
			slices.Sort(extra)
			h.fail(fmt.Sprintf("mailbox %s: %d new messages, want %d: %v", mu.UserPrincipalName, len(got), len(want), extra), st)
		}
		for _, n := range want {
			var found *fakegraph.Message
			for _, m := range got {
				if m.Subject == n.row.subject {
					found = m
				}
			}
			if found == nil {
				h.fail(fmt.Sprintf("mailbox %s: no new draft with subject %q", mu.UserPrincipalName, n.row.subject), st)
			}
			if d := wdCheckNew(found, n); d != "" {
				h.fail(fmt.Sprintf("mailbox %s, new draft %s: %s", mu.UserPrincipalName, found.ID, d), st)
			}
			delete(got, found.ID)
			mu.Messages = append(mu.Messages, found) // adopted whole: a snapshot copy
			newIDs = append(newIDs, found.ID)
		}
	}
	return newIDs
}

// refresh rebuilds the plain copy from the model.
func (h *wdHarness) refresh() {
	if err := wdLoadPlain(h.plain, h.model.t, h.model.me); err != nil {
		h.tb.Fatal(err)
	}
}

// wdWrite is a request that changes something, found in the fake's log.
type wdWrite struct {
	method, path string
	status       int
}

func (w wdWrite) String() string { return fmt.Sprintf("%d %s %s", w.status, w.method, w.path) }

// writes lists the write requests the fake served since the last reset:
// every request but GETs, and $batch POSTs by their inner requests.
func (h *wdHarness) writes() []wdWrite {
	var out []wdWrite
	var walk func(rs []fakegraph.Request)
	walk = func(rs []fakegraph.Request) {
		for _, r := range rs {
			if r.Method == "POST" && strings.HasSuffix(r.Path, "/$batch") {
				walk(r.Inner)
				if r.Status >= 300 {
					out = append(out, wdWrite{r.Method, r.Path, r.Status})
				}
				continue
			}
			if r.Method != "GET" {
				out = append(out, wdWrite{r.Method, r.Path, r.Status})
			}
		}
	}
	walk(h.srv.Requests())
	return out
}

// checkRequests fails when Graph rejected a request of a statement the
// model expects to succeed, or when a write request names an item the
// statement did not match. allowed are the ids it may name (nil: any).
func (h *wdHarness) checkRequests(st fmt.Stringer, allowed map[string]bool) {
	h.tb.Helper()
	for _, w := range h.writes() {
		if w.status >= 400 && w.status != 429 {
			h.fail(fmt.Sprintf("Graph rejected a write request: %s (all writes: %v)", w, h.writes()), st)
		}
		if allowed != nil {
			if id := wdPathID(w.path); id != "" && !allowed[id] {
				h.fail(fmt.Sprintf("a write request names %s, which the statement did not match: %s", id, w), st)
			}
		}
	}
	if h.conn == nil {
		return
	}
	log, err := driver.Requests(h.conn)
	if err != nil {
		h.fail(err.Error(), st)
	}
	var check func(rs []driver.Request)
	check = func(rs []driver.Request) {
		for _, r := range rs {
			check(r.Inner)
			if r.Method != "GET" && r.Method != "" {
				continue // writes: checked on the fake's side
			}
			if r.Status != 200 && r.Status != 429 && r.Status != 0 && !graphIDMiss(r) && !noMailbox(r) {
				h.fail(fmt.Sprintf("Graph rejected a read with %d %s: %s", r.Status, r.Err, r.URL), st)
			}
		}
	}
	check(log)
}

// wdPathID is the message id a write path names (…/messages/{id}[/…]).
func wdPathID(p string) string {
	_, rest, ok := strings.Cut(p, "/messages/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// noWrites fails when the fake served a write request since the reset.
func (h *wdHarness) noWrites(st fmt.Stringer, why string) {
	h.tb.Helper()
	if w := h.writes(); len(w) > 0 {
		h.fail(fmt.Sprintf("%s, yet %d write requests were sent: %v", why, len(w), w), st)
	}
}

// checkErr compares a statement's error with the model's expectation.
func (h *wdHarness) checkErr(st fmt.Stringer, out wdOutcome, err error) {
	h.tb.Helper()
	switch {
	case out.eitherWay:
	case len(out.errCols) > 0 && err == nil:
		h.fail(fmt.Sprintf("the statement succeeded; it must fail naming %s", strings.Join(out.errCols, " or ")), st)
	case len(out.errCols) > 0:
		named := false
		for _, c := range out.errCols {
			named = named || strings.Contains(err.Error(), c)
		}
		if !named {
			h.fail(fmt.Sprintf("the error does not name %s: %v", strings.Join(out.errCols, " or "), err), st)
		}
	case err != nil:
		h.fail(fmt.Sprintf("the statement failed: %v", err), st)
	}
}

// run executes one autocommit statement and checks it.
func (h *wdHarness) run(st *wdStmt) {
	h.tb.Helper()
	matched, err := wdMatch(h.plain, st)
	if err != nil && st.kind != "insert" {
		h.fail("the plain match query failed (a generator bug): "+err.Error(), st)
	}
	out := h.model.apply(st, matched)
	h.stmts++
	h.kinds[st.kind]++
	h.matched += len(matched)
	if len(matched) == 0 && st.kind != "insert" {
		h.none++
	}
	h.history = append(h.history, fmt.Sprintf("[%d matched] %s", len(matched), st))
	h.srv.ResetRequests()
	err = h.exec.exec(h, st.sql, st.args, st)
	h.nWrites += len(h.writes())
	h.checkErr(st, out, err)
	if err != nil || len(out.errCols) > 0 {
		h.errs++
		h.noWrites(st, "the statement failed (or must fail, before any request)")
		out = wdOutcome{} // nothing changes
	} else {
		h.checkRequests(st, out.written)
	}
	ids := h.compare(st, out)
	if st.kind == "insert" && err == nil {
		h.checkLastInsertID(st, ids)
	}
	if out.changes(len(matched)) {
		h.refresh()
	}
}

// changes reports whether a statement with this outcome, which matched
// that many items, changed the model (the plain copy is rebuilt only then:
// it takes a while).
func (o wdOutcome) changes(matched int) bool {
	return len(o.vol) > 0 || len(o.inserts) > 0 || (matched > 0 && len(o.written) > 0)
}

// checkLastInsertID checks SELECT last_insert_id() after drafts were
// created: the id of one of them (the only one, for one row).
func (h *wdHarness) checkLastInsertID(st fmt.Stringer, ids []string) {
	h.tb.Helper()
	if len(ids) == 0 {
		return
	}
	got, err := h.exec.lastInsertID(h)
	if err != nil {
		h.fail("SELECT last_insert_id(): "+err.Error(), st)
	}
	if !slices.Contains(ids, got) || (len(ids) == 1 && got != ids[0]) {
		h.fail(fmt.Sprintf("last_insert_id() is %q, want the new draft's id (one of %v)", got, ids), st)
	}
}

// runTx runs statements inside BEGIN … COMMIT (commit) or BEGIN …
// ROLLBACK: nothing is sent before the end; at COMMIT the changes of all
// the statements are applied in order; at ROLLBACK nothing is sent at all.
//
// Whether a statement inside a transaction reads the changes of the ones
// before it (they are not sent yet) is not the contract's to say: a
// committed transaction keeps only statements that match the same items
// either way (over the copy as at BEGIN, and over the model with the
// earlier statements applied).
func (h *wdHarness) runTx(stmts []*wdStmt, commit bool) {
	h.tb.Helper()
	end := "ROLLBACK"
	if commit {
		end = "COMMIT"
	}
	before := wdCopyTenant(h.model.t)
	all := wdOutcome{vol: map[wdKey]map[string]bool{}, written: map[string]bool{}}
	var kept []*wdStmt
	for i, st := range stmts {
		matched, err := wdMatch(h.plain, st) // the copy as it was at BEGIN
		if err != nil && st.kind != "insert" {
			h.fail("the plain match query failed (a generator bug): "+err.Error(), st)
		}
		if commit && i > 0 && st.kind != "insert" {
			if err := wdLoadPlain(h.overlay(), h.model.t, h.model.me); err != nil {
				h.tb.Fatal(err)
			}
			seen, err := wdMatch(h.overlay(), st)
			if err != nil {
				h.fail("the plain match query failed (a generator bug): "+err.Error(), st)
			}
			if !slices.Equal(seen, matched) {
				h.kinds["left out of a tx"]++
				continue
			}
		}
		out := h.model.apply(st, matched)
		if len(out.errCols) > 0 || out.eitherWay {
			h.fail("the generator put a failing statement in a transaction (a generator bug)", st)
		}
		kept = append(kept, st)
		h.stmts++
		h.kinds[st.kind+" in tx"]++
		h.matched += len(matched)
		for k, v := range out.vol {
			if all.vol[k] == nil {
				all.vol[k] = map[string]bool{}
			}
			for p := range v {
				all.vol[k][p] = true
			}
		}
		for id := range out.written {
			all.written[id] = true
		}
		all.inserts = append(all.inserts, out.inserts...)
	}
	var parts []string
	for _, s := range kept {
		parts = append(parts, s.String())
	}
	tx := wdText("BEGIN; " + strings.Join(parts, "; ") + "; " + end)
	h.history = append(h.history, string(tx))
	h.srv.ResetRequests()
	if err := h.exec.exec(h, "BEGIN", nil, nil); err != nil {
		h.fail("BEGIN: "+err.Error(), tx)
	}
	for _, st := range kept {
		if err := h.exec.exec(h, st.sql, st.args, st); err != nil {
			h.fail("inside a transaction (to "+end+"), the statement failed: "+err.Error(), st)
		}
		h.noWrites(st, "inside a transaction, before "+end)
	}
	// Nothing was sent yet: the fake must hold the data as at BEGIN.
	model := h.model.t
	h.model.t = wdCopyTenant(before)
	h.compare(wdText("inside the transaction, before "+end+": "+string(tx)), wdOutcome{})
	h.model.t = model
	err := h.exec.exec(h, end, nil, nil)
	if !commit {
		if err != nil {
			h.fail("ROLLBACK: "+err.Error(), tx)
		}
		h.noWrites(tx, "ROLLBACK")
		h.model.t = before
		h.compare(tx, wdOutcome{}) // the copy was not rebuilt since BEGIN
		return
	}
	h.nWrites += len(h.writes())
	if err != nil {
		h.fail("COMMIT failed: "+err.Error(), tx)
	}
	h.checkRequests(tx, all.written)
	ids := h.compare(tx, all)
	h.checkLastInsertID(tx, ids)
	h.refresh()
}

// overlay is a second plain database, for the model as it stands inside a
// transaction.
func (h *wdHarness) overlay() *sql.DB {
	if h.over == nil {
		db, err := sql.Open("sqlite3", ":memory:")
		if err != nil {
			h.tb.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		h.tb.Cleanup(func() { db.Close() })
		h.over = db
	}
	return h.over
}

// --- the statement generator ---

// wdRecipients are recipients the generator writes: directory users (by
// their display name) and outsiders.
func (h *wdHarness) recipients() []fakegraph.Recipient {
	pool := []fakegraph.Recipient{{Name: "Bob Builder", Address: "bob@fabrikam.com"},
		{Name: "Zoë Müller", Address: "zoe@example.org"}, {Name: "O'Neil, Pat", Address: "pat.oneil@contoso.com"}}
	for _, u := range h.model.t.Users {
		if !u.NoMailbox {
			pool = append(pool, fakegraph.Recipient{Name: u.DisplayName, Address: u.UserPrincipalName})
		}
	}
	var out []fakegraph.Recipient
	for range h.g.n(3) {
		r := pickOne(h.g, pool)
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return append([]fakegraph.Recipient{}, out...)
}

var wdCategories = []string{"Red category", "Blue category", "Green category", "Purple category",
	"Projet été", "VIP's", "Follow_up 100%", "New: triage"}

// tag makes text unique to this statement.
func (h *wdHarness) tag() string {
	h.step++
	return fmt.Sprintf("wd%d.%d", h.seed, h.step)
}

// value is a random valid value for a writable column.
func (h *wdHarness) value(col, tag string) any {
	g := h.g
	switch col {
	case "is_read", "is_read_receipt_requested", "is_delivery_receipt_requested":
		if col == "is_read" && g.chance(15) {
			return wdNot{}
		}
		return int64(g.n(2))
	case "flag_status":
		return pickOne(g, []string{"notFlagged", "flagged", "complete"})
	case "categories":
		var cats []string
		for range g.n(3) {
			c := pickOne(g, wdCategories)
			if !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
		}
		b, err := json.Marshal(append([]string{}, cats...))
		if err != nil {
			panic(err)
		}
		return string(b)
	case "importance":
		return pickOne(g, []string{"low", "normal", "high"})
	case "inference_classification":
		return pickOne(g, []string{"focused", "other"})
	case "subject":
		return tag + " " + pickOne(g, []string{"Quarterly budget", "Café ☕ with O'Brien", "Re: lunch?", "100% done_x", ""})
	case "to_recipients", "cc_recipients", "bcc_recipients", "reply_to":
		return wdRecipientsJSON(h.recipients())
	}
	panic("value: " + col)
}

// body is a random HTML body. Never text: the connection reads bodies as
// HTML (BodyContentType=html), and Graph then converts a text body, so
// body and body_content_type would read differently from what the plain
// copy holds (TestUpdateForms checks a text body's PATCH).
func (h *wdHarness) body(tag string) fakegraph.ItemBody {
	if h.g.chance(50) {
		return fakegraph.ItemBody{ContentType: "html", Content: "<div>Hello,<br>please see " + tag + ".<br>— Zoë</div>"}
	}
	return fakegraph.ItemBody{ContentType: "html", Content: "<p>Hello <b>" + tag + "</b> &amp; thanks</p>"}
}

// literal writes v into SQL, as a parameter now and then.
func (h *wdHarness) literal(v any, args *[]any) string {
	if h.g.chance(20) {
		*args = append(*args, v)
		return "?"
	}
	return sqlLiteral(v)
}

// where picks a mailbox and writes the WHERE of an UPDATE or DELETE, and
// the plain query that finds the rows it matches. draftsOnly adds
// is_draft = 1 (as people write it before changing draft-only columns).
func (h *wdHarness) where(st *wdStmt, draftsOnly bool) (string, []any) {
	g := h.g
	g.args, g.preds = nil, nil
	p := g.p
	var others []string
	for _, u := range p.upns {
		if !strings.EqualFold(u, p.me) {
			others = append(others, u)
		}
	}
	var vtScope []string
	plScope := []string{}
	switch k := g.n(100); {
	case k < 50:
		st.box = "me"
		plScope = append(plScope, "messages.user_id = 'me'", "messages.folder_id IS NULL")
	case k < 58:
		st.box = p.me
	case k < 86:
		st.box = pickOne(g, others)
	case k < 92:
		st.box = pickOne(g, p.ids)
	default:
		st.box = "me"
		f := pickOne(g, []string{"inbox", "drafts", "archive", "sentitems"})
		vtScope = append(vtScope, "messages.folder_id = "+sqlLiteral(f))
		plScope = append(plScope, "messages.user_id = 'me'", "messages.folder_id = "+sqlLiteral(f))
	}
	if len(plScope) == 0 {
		vtScope = append(vtScope, "messages.user_id = "+sqlLiteral(st.box))
		plScope = append(plScope, "messages.user_id = "+sqlLiteral(st.box), "messages.folder_id IS NULL")
	}
	refs := []diffTable{{"messages", "messages"}}
	var preds []sqlPair
	u := h.model.user(st.box)
	byID, whole := 15, 22
	if draftsOnly { // drafts are few: random predicates seldom find one
		byID, whole = 35, 60
	}
	switch k := g.n(100); {
	case k < byID && u != nil && len(u.Messages) > 0: // by id, as scripts do
		var ids []string
		for range 1 + g.n(3) {
			m := pickOne(g, u.Messages)
			if draftsOnly && g.chance(80) {
				var drafts []*fakegraph.Message
				for _, x := range u.Messages {
					if x.IsDraft {
						drafts = append(drafts, x)
					}
				}
				if len(drafts) > 0 {
					m = pickOne(g, drafts)
				}
			}
			ids = append(ids, sqlLiteral(m.ID))
		}
		preds = append(preds, bothSQL("messages.id IN ("+strings.Join(ids, ", ")+")"))
	case k < whole: // the whole scope
	default:
		for range 1 + g.n(2) {
			preds = append(preds, g.pred(refs))
		}
	}
	if draftsOnly {
		preds = append(preds, bothSQL("messages.is_draft = 1"))
	}
	vt := vtScope
	pl := plScope
	for _, pr := range preds {
		vt = append(vt, "("+pr.vt+")")
		pl = append(pl, "("+pr.pl+")")
	}
	st.matchSQL = "SELECT messages.id FROM messages WHERE " + strings.Join(pl, " AND ")
	st.matchArgs = slices.Clone(g.args)
	w := ""
	if len(vt) > 0 {
		w = " WHERE " + strings.Join(vt, " AND ")
	}
	return w, slices.Clone(g.args)
}

// sized draws WHERE clauses until the statement matches at most limit
// items (moves and deletes: a sequence must not empty the mailboxes).
func (h *wdHarness) sized(st *wdStmt, limit int, draftsOnly bool) (string, []any) {
	for i := range 30 {
		w, a := h.where(st, draftsOnly)
		ids, err := wdMatch(h.plain, st)
		if err != nil {
			h.fail("the plain match query failed (a generator bug): "+err.Error(), st)
		}
		// Some items, mostly: a statement that matches none proves little.
		if len(ids) <= limit && (len(ids) > 0 || i >= 10 || h.g.chance(15)) {
			return w, a
		}
	}
	// By id, then.
	u := h.model.user(st.box)
	m := pickOne(h.g, u.Messages)
	st.matchSQL = "SELECT messages.id FROM messages WHERE messages.user_id = " + sqlLiteral(st.box) +
		" AND messages.folder_id IS NULL AND messages.id = " + sqlLiteral(m.ID)
	st.matchArgs = nil
	return " WHERE messages.user_id = " + sqlLiteral(st.box) + " AND messages.id = " + sqlLiteral(m.ID), nil
}

// update writes an UPDATE of the given columns.
func (h *wdHarness) update(cols []string, draftsOnly bool) *wdStmt {
	st := &wdStmt{kind: "update"}
	tag := h.tag()
	var setArgs []any
	var sets []string
	for _, c := range cols {
		if c == "body" {
			b := h.body(tag)
			st.set = append(st.set, wdSet{"body", b.Content}, wdSet{"body_content_type", b.ContentType})
			sets = append(sets, "body = "+h.literal(b.Content, &setArgs), "body_content_type = "+h.literal(b.ContentType, &setArgs))
			continue
		}
		v := h.value(c, tag)
		st.set = append(st.set, wdSet{c, v})
		if _, ok := v.(wdNot); ok {
			sets = append(sets, c+" = NOT "+c)
			continue
		}
		sets = append(sets, c+" = "+h.literal(v, &setArgs))
	}
	w, a := h.where(st, draftsOnly)
	st.sql = "UPDATE messages SET " + strings.Join(sets, ", ") + w
	st.args = append(setArgs, a...)
	return st
}

// readOnlyUpdate writes an UPDATE of a read-only column (with a value no
// row holds), now and then next to a writable one.
func (h *wdHarness) readOnlyUpdate() *wdStmt {
	st := &wdStmt{kind: "update"}
	g := h.g
	col := pickOne(g, wdReadOnlyCols)
	var set string
	switch col {
	case "is_draft", "has_attachments":
		set = col + " = 1 - " + col
		st.set = append(st.set, wdSet{col, wdNot{}})
	case "received_date_time", "sent_date_time", "created_date_time", "last_modified_date_time":
		set = col + " = '2001-02-03T04:05:06Z'"
		st.set = append(st.set, wdSet{col, "2001-02-03T04:05:06Z"})
	case "id":
		v := "AAMkAGNlbmV3aWQtd3JpdGVkaWZmLXRlc3Q" + h.tag()
		set = "id = " + sqlLiteral(v)
		st.set = append(st.set, wdSet{col, v})
	default:
		v := "written by the write differential " + h.tag()
		set = col + " = " + sqlLiteral(v)
		st.set = append(st.set, wdSet{col, v})
	}
	sets := []string{set}
	if g.chance(40) {
		c := pickOne(g, wdPatchCols)
		v := h.value(c, "")
		st.set = append(st.set, wdSet{c, v})
		if _, ok := v.(wdNot); ok {
			sets = append(sets, c+" = NOT "+c)
		} else {
			sets = append(sets, c+" = "+sqlLiteral(v))
		}
		if g.chance(50) {
			sets[0], sets[1] = sets[1], sets[0]
		}
	}
	w, a := h.where(st, false)
	st.sql = "UPDATE messages SET " + strings.Join(sets, ", ") + w
	st.args = a
	return st
}

// move writes an UPDATE of parent_folder_id.
func (h *wdHarness) move() *wdStmt {
	st := &wdStmt{kind: "move"}
	w, a := h.sized(st, 25, false)
	u := h.model.user(st.box)
	for u.NoMailbox { // no folder to move to: another mailbox
		w, a = h.sized(st, 25, false)
		u = h.model.user(st.box)
	}
	var dests []string
	for _, f := range u.Folders {
		switch {
		case f.IsHidden || f.WellKnownName == "outbox" || f.WellKnownName == "syncissues" || f.WellKnownName == "conflicts" ||
			f.WellKnownName == "conversationhistory":
		case f.WellKnownName != "" && h.g.chance(60):
			dests = append(dests, f.WellKnownName)
		default:
			dests = append(dests, f.ID)
		}
	}
	slices.Sort(dests)
	st.dest = pickOne(h.g, dests)
	var args []any
	st.sql = "UPDATE messages SET parent_folder_id = " + h.literal(st.dest, &args) + w
	st.args = append(args, a...)
	return st
}

// delete writes a DELETE.
func (h *wdHarness) delete() *wdStmt {
	st := &wdStmt{kind: "delete"}
	w, a := h.sized(st, 20, false)
	st.sql = "DELETE FROM messages" + w
	st.args = a
	return st
}

// insert writes an INSERT of one or two drafts.
func (h *wdHarness) insert(maxRows int) *wdStmt {
	g := h.g
	st := &wdStmt{kind: "insert", box: "me"}
	cols := []string{"subject"}
	withUser := g.chance(30)
	if withUser {
		var boxes []string
		for _, u := range h.model.t.Users {
			if !u.NoMailbox {
				boxes = append(boxes, u.UserPrincipalName)
			}
		}
		st.box = pickOne(g, boxes)
		cols = append([]string{"user_id"}, cols...)
	}
	// Always a body: Graph gives a draft without one an empty text body,
	// which reads back converted to HTML (BodyContentType=html), unlike
	// the plain copy (see body).
	withBody, withTo, withImp := true, g.chance(70), g.chance(50)
	if withBody {
		cols = append(cols, "body", "body_content_type")
	}
	if withTo {
		cols = append(cols, "to_recipients")
	}
	if withImp {
		cols = append(cols, "importance")
	}
	if g.chance(25) {
		st.folder = pickOne(g, []string{"drafts", "inbox", "archive"})
		if g.chance(40) {
			st.folder = wdFolder(h.model.user(st.box), st.folder)
		}
		cols = append(cols, "folder_id")
	}
	n := 1
	if maxRows > 1 && g.chance(20) {
		n = 2
	}
	var tuples []string
	for range n {
		tag := h.tag()
		r := wdRow{subject: tag + " draft " + pickOne(g, []string{"Quarterly report", "Lunch Friday?", "Café ☕ O'Brien", "日本語の件名"})}
		var vals []string
		if withUser {
			vals = append(vals, h.literal(st.box, &st.args))
		}
		vals = append(vals, h.literal(r.subject, &st.args))
		if withBody {
			b := h.body(tag)
			r.body = &b
			vals = append(vals, h.literal(b.Content, &st.args), h.literal(b.ContentType, &st.args))
		}
		if withTo {
			r.to = h.recipients()
			vals = append(vals, h.literal(wdRecipientsJSON(r.to), &st.args))
		}
		if withImp {
			r.importance = pickOne(g, []string{"low", "normal", "high"})
			vals = append(vals, h.literal(r.importance, &st.args))
		}
		if st.folder != "" {
			vals = append(vals, h.literal(st.folder, &st.args))
		}
		st.rows = append(st.rows, r)
		tuples = append(tuples, "("+strings.Join(vals, ", ")+")")
	}
	st.sql = "INSERT INTO messages (" + strings.Join(cols, ", ") + ") VALUES " + strings.Join(tuples, ", ")
	return st
}

// patchCols picks 1–3 always-writable columns not in used.
func (h *wdHarness) patchCols(used map[string]bool) []string {
	var free []string
	for _, c := range wdPatchCols {
		if !used[c] {
			free = append(free, c)
		}
	}
	var out []string
	for range 1 + h.g.n(3) {
		if len(free) == 0 {
			break
		}
		i := h.g.n(len(free))
		out = append(out, free[i])
		free = slices.Delete(free, i, i+1)
	}
	return out
}

// draftCols picks 1–2 draft-only columns.
func (h *wdHarness) draftCols() []string {
	cols := []string{pickOne(h.g, wdDraftCols)}
	if c := pickOne(h.g, wdDraftCols); h.g.chance(40) && c != cols[0] {
		cols = append(cols, c)
	}
	return cols
}

// statement writes one random autocommit statement.
func (h *wdHarness) statement() *wdStmt {
	switch k := h.g.n(100); {
	case k < 38:
		return h.update(h.patchCols(nil), false)
	case k < 48: // draft-only columns on drafts
		cols := h.draftCols()
		if h.g.chance(30) {
			cols = append(cols, pickOne(h.g, wdPatchCols))
		}
		return h.update(cols, true)
	case k < 54: // draft-only columns, whatever matches (mostly an error)
		return h.update(h.draftCols(), false)
	case k < 66:
		return h.move()
	case k < 76:
		return h.delete()
	case k < 88:
		return h.insert(2)
	}
	return h.readOnlyUpdate()
}

// transaction writes 2–4 statements for one transaction: updates of
// disjoint columns, then perhaps a move, a delete or an insert.
func (h *wdHarness) transaction() []*wdStmt {
	var out []*wdStmt
	used := map[string]bool{}
	for range 1 + h.g.n(2) {
		cols := h.patchCols(used)
		if len(cols) == 0 {
			break
		}
		for _, c := range cols {
			used[c] = true
		}
		out = append(out, h.update(cols, false))
	}
	if h.g.chance(30) {
		out = append(out, h.update(h.draftCols(), true))
	}
	switch h.g.n(4) {
	case 0:
		out = append(out, h.move())
	case 1:
		out = append(out, h.delete())
	case 2:
		out = append(out, h.insert(1))
	}
	return out
}

// runSequence runs a sequence of steps: autocommit statements, and one
// committed and one rolled-back transaction at fixed steps, more at random.
func (h *wdHarness) runSequence(steps int) {
	h.tb.Helper()
	for i := range steps {
		h.at = i
		switch {
		case i == steps/3 || (i > 0 && h.g.chance(6)):
			h.runTx(h.transaction(), true)
		case i == 2*steps/3 || (i > 0 && h.g.chance(5)):
			h.runTx(h.transaction(), false)
		default:
			h.run(h.statement())
		}
	}
}

// --- the tests ---

// TestWriteDifferential runs the sequences of wdSeeds through the driver
// against the fake, each on a tenant of its own, and compares the fake
// with the model after every statement.
func TestWriteDifferential(t *testing.T) {
	start := time.Now()
	for _, seed := range wdSeeds(t) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			tenant := wdTenant()
			e := newEnv(t, tenant, nil, fakegraph.WithPageCap(diffPageCap))
			h := newWDHarness(t, seed, tenant, e.Server, e.User, wdDriver{e})
			h.conn = e.conn
			h.runSequence(wdStepCount())
			t.Logf("seed %d: %d statements (%v; %d matched no item), %d items matched, %d failed as the model expected, %d write requests",
				seed, h.stmts, h.kinds, h.none, h.matched, h.errs, h.nWrites)
		})
	}
	t.Logf("%v", time.Since(start).Round(time.Millisecond))
}

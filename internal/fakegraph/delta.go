package fakegraph

// Delta queries (REFERENCE §7): mailFolders/delta, mailFolders/{id}/
// messages/delta and users/delta.
//
// Each round of a delta query is computed as the difference between the
// items the query covers now and a snapshot (id → fingerprint of the item
// as rendered with the query's $select) remembered by the token the round
// started from. That covers every way the tenant changes: the write
// endpoints and direct edits through Server.Update alike. A round's item
// list is fixed when it starts; each page renders its items as they are
// when the page is served (an item gone meanwhile is left out), and the
// round's deltaLink remembers the snapshot taken at its start, so a change
// made during a round shows up (again) in the next one: a replay, which
// Graph allows.

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// maxDeltaStates is how many delta tokens keep their snapshot; older ones
// age out and answer 410 Gone, as Graph's tokens "age out of a cache".
// maxDeltaRounds is the same for the rounds behind skip tokens.
const (
	maxDeltaStates = 20000
	maxDeltaRounds = 20000
)

// 410 codes.
const (
	codeSyncStateNotFound = "syncStateNotFound"
	codeResyncRequired    = "resyncRequired"
)

// deltaStore holds the state behind delta and skip tokens.
type deltaStore struct {
	mu         sync.Mutex
	serial     int
	states     map[int]*deltaState
	rounds     map[int]*deltaRound
	stateOrder []int // oldest first, for the cap
	roundOrder []int
}

// deltaOpts are the query options a token remembers.
type deltaOpts struct {
	sel        []string // $select as given; nil is the default set
	expand     string
	filter     string // raw $filter, for the Location of a 410
	orderby    string
	cutoff     time.Time
	hasCutoff  bool
	gt         bool   // receivedDateTime gt (else ge)
	changeType string // created, updated, deleted or ""
}

// deltaState is what a $deltatoken stands for.
type deltaState struct {
	kind   string // "messages", "folders" or "users"
	box    string // lower-cased user id; "" for users
	folder string // folder id, for messages
	opts   deltaOpts
	snap   map[string]uint64 // id → fingerprint
	gone   string            // "" while valid, else the 410 code
	token  int
}

// deltaRound is what a $skiptoken stands for: the items of one round.
type deltaRound struct {
	state *deltaState // handed out as the round's deltaLink
	items []deltaItem
	gone  string
}

type deltaItem struct {
	id      string
	removed bool
}

// deltaSnap is the items a query covers now, in Graph's order.
type deltaSnap struct {
	ids []string
	fp  map[string]uint64
}

func (d *deltaStore) init() {
	if d.states == nil {
		d.states = map[int]*deltaState{}
		d.rounds = map[int]*deltaRound{}
	}
}

// begin starts a round from base (nil: the initial round) over cur; proto
// carries the kind, mailbox, folder and options of a new state. It
// returns a nil round when base has expired meanwhile.
func (d *deltaStore) begin(base *deltaState, proto deltaState, cur deltaSnap) (*deltaRound, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	if base != nil && base.gone != "" {
		return nil, 0
	}
	ct := proto.opts.changeType
	r := &deltaRound{}
	if base == nil {
		if ct == "" || ct == "created" {
			for _, id := range cur.ids {
				r.items = append(r.items, deltaItem{id: id})
			}
		}
	} else {
		if ct == "" || ct == "deleted" {
			var gone []string
			for id := range base.snap {
				if _, ok := cur.fp[id]; !ok {
					gone = append(gone, id)
				}
			}
			slices.Sort(gone)
			for _, id := range gone {
				r.items = append(r.items, deltaItem{id: id, removed: true})
			}
		}
		for _, id := range cur.ids {
			old, ok := base.snap[id]
			switch {
			case !ok && (ct == "" || ct == "created"), ok && old != cur.fp[id] && (ct == "" || ct == "updated"):
				r.items = append(r.items, deltaItem{id: id})
			}
		}
	}
	if base != nil && len(r.items) == 0 && len(base.snap) == len(cur.fp) {
		r.state = base // nothing changed: the same token again
	} else {
		d.serial++
		st := proto
		st.snap, st.token = cur.fp, d.serial
		d.states[st.token] = &st
		d.stateOrder = append(d.stateOrder, st.token)
		r.state = &st
		if len(d.stateOrder) > maxDeltaStates {
			old := d.states[d.stateOrder[0]]
			old.snap, old.gone = nil, codeSyncStateNotFound
			d.stateOrder = d.stateOrder[1:]
		}
	}
	d.serial++
	id := d.serial
	d.rounds[id] = r
	d.roundOrder = append(d.roundOrder, id)
	if len(d.roundOrder) > maxDeltaRounds {
		delete(d.rounds, d.roundOrder[0])
		d.roundOrder = d.roundOrder[1:]
	}
	return r, id
}

// state finds the state of a $deltatoken (nil if unknown) and whether it
// has gone (the 410 code, "" if valid).
func (d *deltaStore) state(tok string) (*deltaState, string) {
	n, ok := decodeDeltaToken(tok, 'd')
	if !ok {
		return nil, ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	st := d.states[n]
	if st == nil {
		return nil, ""
	}
	return st, st.gone
}

// round finds the round, its number and the offset of a $skiptoken (a
// nil round if unknown), and whether it has gone (the 410 code).
func (d *deltaStore) round(tok string) (*deltaRound, int, int, string) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < 2 || raw[0] != 'r' {
		return nil, 0, 0, ""
	}
	a, b, ok := strings.Cut(string(raw[1:]), ".")
	n, err1 := strconv.Atoi(a)
	off, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || off < 0 {
		return nil, 0, 0, ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	r := d.rounds[n]
	if r == nil {
		return nil, 0, 0, ""
	}
	return r, n, off, r.gone
}

func skipToken(round, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("r" + strconv.Itoa(round) + "." + strconv.Itoa(offset)))
}

func deltaToken(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("d" + strconv.Itoa(n)))
}

func decodeDeltaToken(tok string, kind byte) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < 2 || raw[0] != kind {
		return 0, false
	}
	n, err := strconv.Atoi(string(raw[1:]))
	return n, err == nil
}

// expire marks the states and rounds that match as gone with code.
func (d *deltaStore) expire(code string, match func(*deltaState) bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	for _, st := range d.states {
		if st.gone == "" && match(st) {
			st.snap, st.gone = nil, code
		}
	}
	for _, r := range d.rounds {
		if r.gone == "" && (r.state.gone != "" || match(r.state)) {
			r.gone = code
		}
	}
}

// ExpireDeltaTokens makes every delta token and skip token issued so far
// answer 410 Gone (code syncStateNotFound) with a Location header holding
// a fresh initial delta URL, as when Graph's token cache drops them.
// Tokens issued later work.
func (s *Server) ExpireDeltaTokens() {
	s.delta.expire(codeSyncStateNotFound, func(*deltaState) bool { return true })
}

// ResetDelta makes the delta and skip tokens issued so far for one
// mailbox (a user id or userPrincipalName) answer 410 Gone (code
// resyncRequired) with a Location header holding a fresh initial delta
// URL: those of the message delta of folder (an id or a well-known name),
// or, when folder is "", every message delta of the mailbox and its
// mailFolders/delta. Other folders' tokens keep working.
func (s *Server) ResetDelta(mailbox, folder string) {
	s.tmu.RLock()
	u := s.idx.users[strings.ToLower(mailbox)]
	fid := folder
	if u != nil && folder != "" {
		if f, err := s.idx.mailbox(u).folder(folder); err == nil {
			fid = f.ID
		}
	}
	s.tmu.RUnlock()
	box := strings.ToLower(mailbox)
	if u != nil {
		box = strings.ToLower(u.ID)
	}
	s.delta.expire(codeResyncRequired, func(st *deltaState) bool {
		if st.box != box {
			return false
		}
		return folder == "" || st.kind == "messages" && st.folder == fid
	})
}

// --- requests ---

// deltaPageSize is the page size of a delta response: def, or
// Prefer: odata.maxpagesize=N (echoed in Preference-Applied). $top is
// ignored, as Graph does on delta.
func (c *call) deltaPageSize(def int) int {
	for _, h := range c.r.Header.Values("Prefer") {
		for _, p := range strings.Split(h, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if !strings.EqualFold(strings.TrimSpace(k), "odata.maxpagesize") {
				continue
			}
			n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(v), `"`))
			if err != nil || n < 1 {
				continue
			}
			applied := "odata.maxpagesize=" + strconv.Itoa(n)
			h := c.w.Header()
			if prev := h.Get("Preference-Applied"); prev != "" {
				applied = prev + "," + applied
			}
			h.Set("Preference-Applied", applied)
			return c.capPage(n)
		}
	}
	return c.capPage(def)
}

// gone answers 410 Gone with Location: a fresh initial delta URL.
func (c *call) gone(code, location string) {
	c.w.Header().Set("Location", location)
	msg := "The sync state was not found; restart the sync from the URL in the Location header."
	if code == codeResyncRequired {
		msg = "Resync required: replace any local cached data with a full sync from the URL in the Location header."
	}
	c.fail(http.StatusGone, code, msg)
}

// initialURL is a delta URL that starts a new initial round with opts.
func initialURL(base string, o deltaOpts) string {
	var qs []string
	add := func(k, v string) {
		if v != "" {
			qs = append(qs, k+"="+url.QueryEscape(v))
		}
	}
	if o.sel != nil {
		add("$select", strings.Join(o.sel, ","))
	}
	add("$expand", o.expand)
	add("$filter", o.filter)
	add("$orderby", o.orderby)
	add("changeType", o.changeType)
	if len(qs) == 0 {
		return base
	}
	return base + "?" + strings.Join(qs, "&")
}

// mailboxPrefix is the request's path up to the mailbox segment, e.g.
// /v1.0/me or /v1.0/users/a@b (as escaped in the request).
func (c *call) mailboxPrefix() string {
	p := c.r.URL.EscapedPath()
	if i := strings.Index(strings.ToLower(p), "/mailfolders"); i >= 0 {
		return p[:i]
	}
	return p
}

var deltaFilterRE = regexp.MustCompile(`(?i)^\s*receivedDateTime\s+(ge|gt)\s+'?([^'\s]+)'?\s*$`)
var deltaOrderRE = regexp.MustCompile(`(?i)^\s*receivedDateTime\s+desc\s*$`)

// messageDeltaOpts reads and checks the options of a first message delta
// request.
func (c *call) messageDeltaOpts() (deltaOpts, *apiError) {
	q := c.q()
	o := deltaOpts{sel: q.sel, expand: q.expand}
	if _, _, err := parseSelect(q.sel, messageProps, "microsoft.graph.message"); err != nil {
		return o, err
	}
	if _, err := parseMessageExpand(q.expand); err != nil {
		return o, err
	}
	if q.has["$filter"] {
		m := deltaFilterRE.FindStringSubmatch(q.filter)
		var t time.Time
		var err error
		if m != nil {
			t, err = time.Parse(time.RFC3339, m[2])
		}
		if m == nil || err != nil {
			return o, badRequest("ErrorInvalidUrlQuery", "The following parameters are not supported with change tracking over the 'Messages' resource: '$filter'. In $filter only a value of 'receivedDateTime ge value' is supported.")
		}
		o.filter, o.cutoff, o.hasCutoff, o.gt = q.filter, t, true, strings.EqualFold(m[1], "gt")
	}
	if q.has["$orderby"] {
		if !deltaOrderRE.MatchString(q.orderby) {
			return o, badRequest("ErrorInvalidUrlQuery", "The following parameters are not supported with change tracking over the 'Messages' resource: '$orderby'. Only 'receivedDateTime desc' is supported.")
		}
		o.orderby = q.orderby
	}
	if err := c.changeTypeOpt(&o); err != nil {
		return o, err
	}
	return o, nil
}

func (c *call) changeTypeOpt(o *deltaOpts) *apiError {
	for k, v := range c.q().custom {
		if !strings.EqualFold(k, "changeType") || len(v) == 0 {
			continue
		}
		switch ct := strings.ToLower(v[0]); ct {
		case "created", "updated", "deleted":
			o.changeType = ct
		default:
			return badRequest("ErrorInvalidUrlQuery", fmt.Sprintf("Invalid changeType '%s': use created, updated or deleted.", v[0]))
		}
	}
	return nil
}

// deltaStart finds the round and offset a delta request continues, or
// starts a new one; ok is false when it answered (an error or 410).
// fresh builds the options of an initial round; snap computes the current
// items with the given options; check tells whether a token belongs to
// this resource.
func (c *call) deltaStart(proto deltaState, initURL string, fresh func() (deltaOpts, *apiError),
	snap func(deltaOpts) deltaSnap) (*deltaRound, int, int, bool) {
	q := c.q()
	d := &c.s.delta
	belongs := func(st *deltaState) bool {
		return st.kind == proto.kind && st.box == proto.box && st.folder == proto.folder
	}
	switch {
	case q.has["$skiptoken"]:
		r, n, off, gone := d.round(q.skiptoken)
		if r == nil {
			c.gone(codeSyncStateNotFound, initURL)
			return nil, 0, 0, false
		}
		if !belongs(r.state) {
			c.fail(http.StatusBadRequest, "ErrorInvalidUrlQuery", "The skip token does not belong to this resource: follow @odata.nextLink as given.")
			return nil, 0, 0, false
		}
		if gone != "" {
			c.gone(gone, initialURL(initURL, r.state.opts))
			return nil, 0, 0, false
		}
		return r, n, off, true
	case q.has["$deltatoken"]:
		st, gone := d.state(q.deltatoken())
		if st == nil {
			c.gone(codeSyncStateNotFound, initURL)
			return nil, 0, 0, false
		}
		if !belongs(st) {
			c.fail(http.StatusBadRequest, "ErrorInvalidUrlQuery", "The delta token does not belong to this resource: follow @odata.deltaLink as given.")
			return nil, 0, 0, false
		}
		if gone != "" {
			c.gone(gone, initialURL(initURL, st.opts))
			return nil, 0, 0, false
		}
		p := proto
		p.opts = st.opts
		r, n := d.begin(st, p, snap(st.opts))
		if r == nil { // expired while the snapshot was taken
			_, code := d.state(q.deltatoken())
			c.gone(code, initialURL(initURL, st.opts))
			return nil, 0, 0, false
		}
		return r, n, 0, true
	}
	o, err := fresh()
	if err != nil {
		c.answer(err)
		return nil, 0, 0, false
	}
	p := proto
	p.opts = o
	r, n := d.begin(nil, p, snap(o))
	return r, n, 0, true
}

// deltatoken is the raw $deltatoken value.
func (q *query) deltatoken() string {
	for _, p := range q.pieces {
		k, v, _ := strings.Cut(p, "=")
		if key, _ := url.QueryUnescape(k); strings.EqualFold(key, "$deltatoken") {
			val, _ := url.QueryUnescape(v)
			return val
		}
	}
	return ""
}

// writeDeltaPage writes one page of round n from offset: render appends
// an item (returning false to leave it out), removed a removal.
func (c *call) writeDeltaPage(ctx, linkBase string, r *deltaRound, n, off, page int,
	render func(b []byte, id string) ([]byte, bool), removed func(b []byte, id string) []byte) {
	b := append(getBuf(), `{"@odata.context":`...)
	b = jsonx.AppendString(b, c.context(ctx))
	end := min(off+page, len(r.items))
	start := min(off, end)
	link := linkBase + "?$deltatoken=" + deltaToken(r.state.token)
	key := `,"@odata.deltaLink":`
	if end < len(r.items) {
		link, key = linkBase+"?$skiptoken="+skipToken(n, end), `,"@odata.nextLink":`
	}
	b = append(b, key...)
	b = jsonx.AppendString(b, link)
	b = append(b, `,"value":[`...)
	first := true
	for _, it := range r.items[start:end] {
		mark := len(b)
		if !first {
			b = append(b, ',')
		}
		if it.removed {
			b = removed(b, it.id)
		} else {
			var ok bool
			if b, ok = render(b, it.id); !ok {
				b = b[:mark]
				continue
			}
		}
		first = false
	}
	b = append(b, "]}"...)
	c.writeJSON(b)
}

func fingerprint(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// --- messages ---

// messageDelta serves GET …/mailFolders/{id}/messages/delta.
func (c *call) messageDelta(mb *mailbox, f *Folder) {
	q := c.q()
	if err := q.allow("$select", "$filter", "$orderby", "$top", "$expand", "$skiptoken", "$deltatoken"); err != nil {
		c.answer(err)
		return
	}
	page := c.deltaPageSize(DefaultMessagesPage)
	linkBase := c.s.URL + c.mailboxPrefix() + "/mailfolders('" + f.ID + "')/messages/delta"
	proto := deltaState{kind: "messages", box: strings.ToLower(mb.u.ID), folder: f.ID}
	var buf []byte
	prep := func(o deltaOpts) (selection, *expandSpec) {
		sel, _, _ := parseSelect(o.sel, messageProps, "microsoft.graph.message")
		exp, _ := parseMessageExpand(o.expand)
		return sel, exp
	}
	in := func(o deltaOpts, m *Message) bool {
		if m.ParentFolderID != f.ID {
			return false
		}
		if o.hasCutoff {
			if o.gt {
				return m.ReceivedDateTime.After(o.cutoff)
			}
			return !m.ReceivedDateTime.Before(o.cutoff)
		}
		return true
	}
	snap := func(o deltaOpts) deltaSnap {
		sel, exp := prep(o)
		s := deltaSnap{fp: map[string]uint64{}}
		for _, m := range mb.base(f.ID) {
			if !in(o, m) {
				continue
			}
			buf = c.appendMessage(buf[:0], m, sel, exp)
			s.ids = append(s.ids, m.ID)
			s.fp[m.ID] = fingerprint(buf)
		}
		return s
	}
	r, n, off, ok := c.deltaStart(proto, linkBase, c.messageDeltaOpts, snap)
	if !ok {
		return
	}
	sel, exp := prep(r.state.opts)
	c.writeDeltaPage("Collection(message)", linkBase, r, n, off, page,
		func(b []byte, id string) ([]byte, bool) {
			m := mb.msgs[id]
			if m == nil || !in(r.state.opts, m) {
				return b, false
			}
			buf = c.appendMessage(buf[:0], m, sel, exp)
			b = append(b, `{"@odata.type":"#microsoft.graph.message",`...)
			return append(b, buf[1:]...), true
		},
		func(b []byte, id string) []byte {
			return removedItem(b, "#microsoft.graph.message", id, "deleted")
		})
}

func removedItem(b []byte, typ, id, reason string) []byte {
	o := obj{b: append(b, '{')}
	if typ != "" {
		o.str("@odata.type", typ)
	}
	o.str("id", id)
	o.raw("@removed", []byte(`{"reason":"`+reason+`"}`))
	return append(o.b, '}')
}

// --- folders ---

// folderTree is every folder of the mailbox (hidden ones too), parents
// before children, siblings by display name; folders whose parent is
// missing come last.
func folderTree(mb *mailbox) []*Folder {
	var out []*Folder
	seen := map[string]bool{}
	queue := []string{mb.root.ID}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, f := range mb.children[p] {
			if !seen[f.ID] {
				seen[f.ID] = true
				out = append(out, f)
				queue = append(queue, f.ID)
			}
		}
	}
	var rest []*Folder
	for _, f := range mb.u.Folders {
		if !seen[f.ID] {
			rest = append(rest, f)
		}
	}
	slices.SortFunc(rest, func(a, b *Folder) int { return strings.Compare(a.ID, b.ID) })
	return append(out, rest...)
}

// folderDelta serves GET /{mailbox}/mailFolders/delta: the whole folder
// tree, hidden folders included, parents before children.
func (c *call) folderDelta(mb *mailbox) {
	q := c.q()
	if err := q.allow("$select", "$top", "$skiptoken", "$deltatoken"); err != nil {
		c.answer(err)
		return
	}
	page := c.deltaPageSize(DefaultMessagesPage)
	linkBase := c.s.URL + c.mailboxPrefix() + "/mailfolders/delta"
	proto := deltaState{kind: "folders", box: strings.ToLower(mb.u.ID)}
	fresh := func() (deltaOpts, *apiError) {
		o := deltaOpts{sel: q.sel}
		if _, _, err := parseSelect(q.sel, folderProps, "microsoft.graph.mailFolder"); err != nil {
			return o, err
		}
		return o, c.changeTypeOpt(&o)
	}
	var buf []byte
	snap := func(o deltaOpts) deltaSnap {
		sel, _, _ := parseSelect(o.sel, folderProps, "microsoft.graph.mailFolder")
		s := deltaSnap{fp: map[string]uint64{}}
		for _, f := range folderTree(mb) {
			buf = appendFolder(buf[:0], mb, f, sel)
			s.ids = append(s.ids, f.ID)
			s.fp[f.ID] = fingerprint(buf)
		}
		return s
	}
	r, n, off, ok := c.deltaStart(proto, linkBase, fresh, snap)
	if !ok {
		return
	}
	sel, _, _ := parseSelect(r.state.opts.sel, folderProps, "microsoft.graph.mailFolder")
	c.writeDeltaPage("Collection(mailFolder)", linkBase, r, n, off, page,
		func(b []byte, id string) ([]byte, bool) {
			f := mb.folders[id]
			if f == nil {
				return b, false
			}
			return appendFolder(b, mb, f, sel), true
		},
		func(b []byte, id string) []byte {
			return removedItem(b, "#microsoft.graph.mailFolder", id, "deleted")
		})
}

// --- users ---

// usersDelta serves GET /users/delta: every user; a user no longer in the
// tenant comes as {"id", "@removed": {"reason": "changed"}}, as Graph
// reports a (soft-)deleted user.
func (c *call) usersDelta() {
	if !c.canReadDirectory() {
		c.denyDirectory()
		return
	}
	if !c.acquire("") {
		return
	}
	q := c.q()
	if err := q.allow("$select", "$top", "$skiptoken", "$deltatoken"); err != nil {
		c.answer(&apiError{err.status, "Request_BadRequest", err.msg})
		return
	}
	page := c.deltaPageSize(DefaultUsersPage)
	linkBase := c.s.URL + "/v1.0/users/delta"
	fresh := func() (deltaOpts, *apiError) {
		o := deltaOpts{sel: q.sel}
		if _, _, err := parseSelect(q.sel, userProps, "microsoft.graph.user"); err != nil {
			return o, &apiError{err.status, "Request_BadRequest", err.msg}
		}
		return o, nil
	}
	var buf []byte
	users := c.s.tenant.Users
	snap := func(o deltaOpts) deltaSnap {
		sel, _, _ := parseSelect(o.sel, userProps, "microsoft.graph.user")
		s := deltaSnap{fp: map[string]uint64{}}
		for _, u := range users {
			buf = c.appendUser(buf[:0], u, sel)
			s.ids = append(s.ids, u.ID)
			s.fp[u.ID] = fingerprint(buf)
		}
		return s
	}
	r, n, off, ok := c.deltaStart(deltaState{kind: "users"}, linkBase, fresh, snap)
	if !ok {
		return
	}
	sel, _, _ := parseSelect(r.state.opts.sel, userProps, "microsoft.graph.user")
	c.writeDeltaPage("users", linkBase, r, n, off, page,
		func(b []byte, id string) ([]byte, bool) {
			u := c.s.idx.users[strings.ToLower(id)]
			if u == nil {
				return b, false
			}
			return c.appendUser(b, u, sel), true
		},
		func(b []byte, id string) []byte {
			return removedItem(b, "", id, "changed")
		})
}

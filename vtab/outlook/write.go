package outlook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/clip"
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab"
	"github.com/outlooksql/outlooksql/vtab/plan"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// Writes follow SQLite's transaction callbacks (vtab.Transactor):
//
//   - Begin (before the scan of a write statement) opens the connection's
//     write transaction: from then on the scans of writable tables record
//     each row they return under its rowid (rowRef), and a scan that feeds
//     an UPDATE selects only the columns it needs (plan.Defaults.Writing).
//   - Update (xUpdate) checks the change against the table's declarations
//     (tables.Write) and turns it into Graph requests, collected, not sent.
//     Any error there is raised before any request.
//   - Sync (the end of the statement in autocommit, or COMMIT) flushes the
//     collected requests: $batch requests of 20 per mailbox, mailboxes in
//     parallel (flush.go).
//   - Rollback, and RollbackTo a savepoint, drop collected requests unsent.

// writer is the write transaction of one connection.
type writer struct {
	active atomic.Bool // Begin ran and neither Commit nor Rollback since

	mu    sync.Mutex
	rows  map[int64]*rowRef // the rows scans returned, by rowid
	clash map[int64]bool    // rowids two different items hashed to
	ops   []*op             // the collected changes, in order
	marks map[int]int       // savepoint level → len(ops) when it opened
	seq   int64             // rowids of inserted rows

	lastID  string // the id of the last item an INSERT created
	failed  error  // the last flush's partial failure, for TakeWriteError
	dryRun  bool
	confirm func(Pending) error
}

// rowRef is a row a scan returned during a write transaction: which item
// it is, and what the scan read of it.
type rowRef struct {
	t           *tables.Table
	mailbox     string            // plan.Request.Mailbox: "me", a user id or UPN
	mailboxPath string            // "/me", "/users/…"
	id          string            // the item's id
	keys        map[string]string // key and hidden column values by column name (message_id, folder_id)
	item        gjson.Result      // the properties the scan read
}

// same reports whether r and o are the same item of the same table.
func (r *rowRef) same(o *rowRef) bool {
	return r.t == o.t && r.mailbox == o.mailbox && r.id == o.id && r.keys[parentKey(r.t)] == o.keys[parentKey(o.t)]
}

// parentKey is the column naming a row's parent item, or "".
func parentKey(t *tables.Table) string {
	if t.Writes == nil {
		return ""
	}
	return t.Writes.Parent
}

// op is one collected row change: its Graph requests, in order.
type op struct {
	t       *tables.Table
	kind    vtab.WriteKind
	verb    string // what it does, for people: "UPDATE", "DELETE", "INSERT", "send"
	label   string // the item it changes ("AAMk…"), or what it creates
	mailbox string
	reqs    []graph.Write
	creates bool       // the last request answers with a created item
	upload  *uploadOp  // bytes sent through an upload session instead of reqs
	parent  *parentRef // a parent that must be a draft
	dest    *destRef   // a folder the item moves to, checked before any write
	// excl and shared are the items (itemKey) the op acts on, for the
	// order of a flush (waves): an op on an item waits for the earlier
	// ops that change it (excl: PATCH, move, DELETE, sending a draft);
	// shared ops (adding an attachment to a draft, replying to a message,
	// creating a draft in a folder) may run together.
	excl, shared []string
}

// destRef is the folder a move names, as the statement gave it.
type destRef struct {
	mailbox, mailboxPath string
	column, value        string
}

// itemKey names an item for the order of a flush: by its id alone, as one
// mailbox may be named "me" in one statement and by its address in the
// next (seed 24 of the write differential).
func itemKey(_, id string) string { return id }

// parentRef names a parent item a write needs to be a draft.
type parentRef struct {
	mailbox, path, id string
}

// uploadOp is an attachment too large for one request.
type uploadOp struct {
	session graph.Write // creates the upload session
	data    []byte
	chunk   int
}

// Pending describes the changes a flush is about to send, for a person to
// confirm (Conn.SetConfirm).
type Pending struct {
	// Changes is how many items would change (or be created or sent).
	Changes int
	// Summary says what they are, e.g. "UPDATE 12 messages, DELETE 3 messages".
	Summary string
}

// Planned is one request a dry run would have sent.
type Planned struct {
	Method string
	URL    string // relative to the Graph root
	Body   string // JSON, or "" for none
}

// SetConfirm makes every flush of more than one change call f first, with
// what it would send; an error from f cancels the flush, and the statement
// fails with it, nothing sent. nil removes it.
func (c *Conn) SetConfirm(f func(Pending) error) {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.w.confirm = f
}

// SetDryRun makes flushes list the requests they would send (Planned) and
// send none; the statement then succeeds without changing anything.
func (c *Conn) SetDryRun(on bool) {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.w.dryRun = on
}

// Planned returns the requests the last statement's dry-run flush would
// have sent.
func (c *Conn) Planned() []Planned {
	st := c.lastStatement()
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.Clone(st.planned)
}

// LastInsertID returns the id of the last draft, folder or attachment an
// INSERT created on the connection ("" before any): last_insert_id().
func (c *Conn) LastInsertID() string {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	return c.w.lastID
}

// record notes a row a scan returned while a write transaction is open.
func (c *Conn) record(rowid int64, r *rowRef) {
	w := &c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rows == nil {
		w.rows = map[int64]*rowRef{}
	}
	if old, ok := w.rows[rowid]; ok && !old.same(r) {
		if w.clash == nil {
			w.clash = map[int64]bool{}
		}
		w.clash[rowid] = true
		return
	}
	w.rows[rowid] = r
}

// row returns the item a rowid stands for.
func (c *Conn) row(t *tables.Table, rowid int64) (*rowRef, error) {
	w := &c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.clash[rowid] {
		return nil, fmt.Errorf("%s: two different items share rowid %d, so the change cannot tell them apart; narrow the WHERE clause (e.g. by id)", t.Name, rowid)
	}
	r, ok := w.rows[rowid]
	if !ok || r.t != t {
		return nil, fmt.Errorf("%s: rowid %d names no row read in this transaction: write rows by a WHERE clause on the table itself", t.Name, rowid)
	}
	return r, nil
}

// reset ends the write transaction: collected changes and rows are dropped.
func (w *writer) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.active.Store(false)
	w.rows, w.clash, w.ops, w.marks = nil, nil, nil, nil
}

// Writable makes the tables with declared writes writable modules.
func (m *module) Writable() bool { return m.t.Writes != nil }

// DirectOnly makes a writable table SQLITE_VTAB_DIRECTONLY unless the
// connection is read-only: a database file's views and triggers can never
// change or send mail.
func (t *table) DirectOnly() bool { return t.directOnly }

// Begin opens the connection's write transaction, refusing a read-only one.
func (t *table) Begin() error {
	src := t.conn.source()
	if src != nil && src.Config.ReadOnly {
		return fmt.Errorf("%s: the connection is read-only (ReadOnly=True): no change was sent; open it without ReadOnly=True to change mail", t.t.Name)
	}
	if !t.directOnly {
		return fmt.Errorf("%s: the table was opened while the connection was read-only (ReadOnly=True), so views may use it; open a new connection without ReadOnly=True to change mail", t.t.Name)
	}
	t.conn.w.active.Store(true)
	return nil
}

// Sync flushes the connection's collected changes (of every table).
func (t *table) Sync() error { return t.conn.flush() }

// Commit ends the write transaction.
func (t *table) Commit() error {
	t.conn.w.reset()
	return nil
}

// Rollback drops the collected changes unsent.
func (t *table) Rollback() error {
	t.conn.w.reset()
	return nil
}

// Savepoint marks where savepoint level n opens.
func (t *table) Savepoint(n int) error {
	w := &t.conn.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.marks == nil {
		w.marks = map[int]int{}
	}
	for k := range w.marks {
		if k > n {
			delete(w.marks, k)
		}
	}
	w.marks[n] = len(w.ops)
	return nil
}

// Release closes savepoint levels n and above, keeping their changes.
func (t *table) Release(n int) error {
	w := &t.conn.w
	w.mu.Lock()
	defer w.mu.Unlock()
	for k := range w.marks {
		if k >= n {
			delete(w.marks, k)
		}
	}
	return nil
}

// RollbackTo drops the changes collected since savepoint level n opened.
func (t *table) RollbackTo(n int) error {
	w := &t.conn.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if m, ok := w.marks[n]; ok && m <= len(w.ops) {
		w.ops = w.ops[:m]
	}
	return nil
}

// Update checks one row change and collects its requests.
func (t *table) Update(u vtab.UpdateOp) (int64, error) {
	src := t.conn.source()
	if src == nil {
		return 0, ErrNotConfigured
	}
	b := &builder{t: t.t, src: src, hdr: header(headerOf(t.t, src))}
	var o *op
	var err error
	switch u.Kind {
	case vtab.WriteDelete:
		o, err = b.delete(t.conn, u.OldRowid)
	case vtab.WriteUpdate:
		if u.NewRowid != u.OldRowid {
			return 0, fmt.Errorf("%s: the rowid cannot be changed", t.t.Name)
		}
		o, err = b.update(t.conn, u.OldRowid, u.Values)
	case vtab.WriteInsert:
		if u.HasNewRowid {
			return 0, fmt.Errorf("%s: an INSERT cannot choose the rowid; Graph gives the new item its id (last_insert_id())", t.t.Name)
		}
		o, err = b.insert(u.Values)
	}
	if err != nil {
		return 0, err
	}
	w := &t.conn.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if o != nil {
		w.ops = append(w.ops, o)
	}
	w.seq++
	return -w.seq, nil
}

// headerOf is the table's headers for the connection's settings.
func headerOf(t *tables.Table, src *Source) map[string]string {
	if t.Header == nil {
		return nil
	}
	return t.Header(settingsOf(src))
}

// builder turns row changes of one table into Graph requests.
type builder struct {
	t   *tables.Table
	src *Source
	hdr http.Header
}

func (b *builder) delete(c *Conn, rowid int64) (*op, error) {
	r, err := c.row(b.t, rowid)
	if err != nil {
		return nil, err
	}
	if b.t.Writes.Delete == "" {
		return nil, fmt.Errorf("%s: rows cannot be deleted", b.t.Name)
	}
	p, err := b.fill(b.t.Writes.Delete, r.mailboxPath, r.id, r.keys)
	if err != nil {
		return nil, err
	}
	o := &op{t: b.t, kind: vtab.WriteDelete, verb: "DELETE", label: r.id, mailbox: r.mailbox,
		reqs: []graph.Write{{Method: http.MethodDelete, Path: p, Header: b.hdr, Safe: true}}}
	o.excl = []string{itemKey(r.mailbox, r.id)}
	o.parent, err = b.parentOf(r.mailbox, r.mailboxPath, r.keys)
	if o.parent != nil {
		o.shared = []string{itemKey(o.parent.mailbox, o.parent.id)}
	}
	return o, err
}

func (b *builder) update(c *Conn, rowid int64, vals []any) (*op, error) {
	r, err := c.row(b.t, rowid)
	if err != nil {
		return nil, err
	}
	draft := false
	if d := b.t.Writes.Draft; d != "" {
		draft = r.item.Get(b.t.Columns[b.t.Column(d)].Path).Bool()
	}
	body := map[string]any{}
	var moveTo *string
	var moveCol string
	var changed []string
	for i, v := range vals {
		if v == vtab.Unchanged {
			continue
		}
		col := &b.t.Columns[i]
		if old, known := r.value(i); known && sameValue(col, old, v) {
			continue // SET to what it is, or a value SQLite passed along
		}
		if !col.Writable(false, draft) {
			return nil, b.notWritable(col, r, draft)
		}
		switch col.Write.How {
		case tables.Move:
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("%s.%s takes a folder id or a well-known folder name (inbox, archive, deleteditems, …), not %s", b.t.Name, col.Name, showValue(v))
			}
			moveTo, moveCol = &s, col.Name
		case tables.Body:
			if b.t.Writes.Update == "" {
				return nil, fmt.Errorf("%s.%s cannot be changed", b.t.Name, col.Name)
			}
			x, err := col.Encode(v)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", b.t.Name, err)
			}
			tables.SetPath(body, col.BodyPath(), x)
		default:
			return nil, fmt.Errorf("%s.%s cannot be changed: it names where the item is, not what it holds", b.t.Name, col.Name)
		}
		changed = append(changed, col.Name)
	}
	if len(changed) == 0 {
		return nil, nil // nothing changes: no request
	}
	o := &op{t: b.t, kind: vtab.WriteUpdate, verb: "UPDATE", label: r.id, mailbox: r.mailbox, excl: []string{itemKey(r.mailbox, r.id)}}
	if len(body) > 0 {
		p, err := b.fill(b.t.Writes.Update, r.mailboxPath, r.id, r.keys)
		if err != nil {
			return nil, err
		}
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.t.Name, err)
		}
		o.reqs = append(o.reqs, graph.Write{Method: http.MethodPatch, Path: p, Header: b.hdr, Body: data, Safe: true})
	}
	if moveTo != nil {
		o.dest = &destRef{mailbox: r.mailbox, mailboxPath: r.mailboxPath, column: moveCol, value: *moveTo}
		p, err := b.fill(b.t.Writes.Move, r.mailboxPath, r.id, r.keys)
		if err != nil {
			return nil, err
		}
		data, _ := json.Marshal(map[string]string{"destinationId": *moveTo})
		o.reqs = append(o.reqs, graph.Write{Method: http.MethodPost, Path: p, Header: b.hdr, Body: data})
	}
	return o, nil
}

// notWritable explains why col cannot be changed on row r.
func (b *builder) notWritable(col *tables.Column, r *rowRef, draft bool) error {
	if col.Write != nil && col.Write.When == tables.DraftOnly && !draft {
		return fmt.Errorf("%s.%s can be changed only on drafts, and %s %s is not a draft (%s = 0); nothing was sent", b.t.Name, col.Name, singular(b.t), clip.String(r.id), b.t.Writes.Draft)
	}
	var can []string
	for _, c := range b.t.Columns {
		if c.Write != nil && (c.Write.When == tables.Always || c.Write.When == tables.DraftOnly) && c.Write.How != tables.Scope {
			can = append(can, c.Name)
		}
	}
	if len(can) == 0 {
		return fmt.Errorf("%s.%s cannot be changed: rows of %s cannot be updated; nothing was sent", b.t.Name, col.Name, b.t.Name)
	}
	return fmt.Errorf("%s.%s cannot be changed (read-only); an UPDATE may set %s; nothing was sent", b.t.Name, col.Name, strings.Join(can, ", "))
}

// singular names one row of t for messages: "message", "folder".
func singular(t *tables.Table) string {
	if t.Writes != nil && t.Writes.Item != "" {
		return t.Writes.Item
	}
	return "item"
}

// value returns column i's value on the row as the scan read it, and
// whether it is known (the scan selected it).
func (r *rowRef) value(i int) (any, bool) {
	col := &r.t.Columns[i]
	if v, ok := r.keys[col.Name]; ok {
		return v, true
	}
	if col.Hidden {
		return nil, true // a hidden column the scan was not given is NULL
	}
	if col.Name == tables.ID || col.Path == tables.ID {
		return r.id, true
	}
	if col.Path == "" {
		return nil, false
	}
	if col.Select != "" && !r.item.Get(col.Select).Exists() && !r.item.Get(col.Path).Exists() {
		return nil, false
	}
	d, err := col.Decode(r.item.Get(col.Path))
	if err != nil {
		return nil, false
	}
	return d.Any(), true
}

// sameValue reports whether SQL value v equals old for col.
func sameValue(col *tables.Column, old, v any) bool {
	switch a := old.(type) {
	case nil:
		return v == nil
	case []byte:
		b, ok := v.([]byte)
		return ok && bytes.Equal(a, b)
	case int64:
		if f, ok := v.(float64); ok {
			return float64(a) == f
		}
	case string:
		if col.Type == tables.Enum {
			s, ok := v.(string)
			return ok && s == a
		}
	}
	return old == v
}

func (b *builder) insert(vals []any) (*op, error) {
	w := b.t.Writes
	if len(w.Insert) == 0 {
		return nil, fmt.Errorf("%s: rows cannot be inserted", b.t.Name)
	}
	// A Bool that picks the action (reply_all) is 0 or 1, nothing else:
	// 'false' or 2 must not pick replyAll.
	for i, v := range vals {
		col := &b.t.Columns[i]
		if v != nil && col.Type == tables.Bool && col.Write != nil && col.Write.How == tables.Scope {
			x, err := col.Encode(v)
			if err != nil {
				return nil, fmt.Errorf("%s.%w; nothing was sent", b.t.Name, err)
			}
			if x == false {
				vals[i] = nil
			}
		}
	}
	given := func(name string) (any, bool) {
		i := b.t.Column(name)
		if i < 0 || vals[i] == nil {
			return nil, false
		}
		return vals[i], true
	}
	var act *tables.Action
	for i := range w.Insert {
		a := &w.Insert[i]
		if _, ok := given(a.If); a.If == "" || ok {
			act = a
			break
		}
	}
	// Two columns that each pick an action (folder_id, parent_folder_id)
	// and disagree: one of them would be ignored.
	if v, ok := given(act.If); ok {
		for _, a := range w.Insert {
			if a.If == "" || a.If == act.If {
				continue
			}
			if o, ok := given(a.If); ok && b.t.Columns[b.t.Column(a.If)].Type != tables.Bool && o != v {
				return nil, fmt.Errorf("%s: give %s or %s, not both; nothing was sent", b.t.Name, act.If, a.If)
			}
		}
	}
	userID := b.src.Config.UserID
	keys := map[string]string{}
	body := map[string]any{}
	for k, v := range act.Static {
		body[k] = v
	}
	var data []byte
	for i, v := range vals {
		if v == nil {
			continue
		}
		col := &b.t.Columns[i]
		if col.Write == nil || col.Write.When == tables.Never {
			return nil, fmt.Errorf("%s.%s cannot be written: an INSERT into %s may give %s; nothing was sent", b.t.Name, col.Name, b.t.Name, strings.Join(insertable(b.t), ", "))
		}
		switch {
		case col.Key == tables.KeyMailbox:
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("%s.%s takes a mailbox (me, a user id or a userPrincipalName), not %s", b.t.Name, col.Name, showValue(v))
			}
			userID = s
		case col.Write.How == tables.Scope || col.Write.How == tables.Move:
			if b.t.Columns[i].Type == tables.Bool {
				continue // picks the action
			}
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("%s.%s takes an id, not %s", b.t.Name, col.Name, showValue(v))
			}
			keys[col.Name] = s
		default:
			if act.NoBody {
				return nil, fmt.Errorf("%s.%s cannot be given with %s: that %s takes nothing else; nothing was sent", b.t.Name, col.Name, act.If, w.Verb)
			}
			if up := w.Upload; up != nil && col.Name == up.Column {
				raw, _ := v.([]byte)
				if s, ok := v.(string); ok {
					raw = []byte(s)
				}
				if len(raw) > up.Over {
					data = raw
					continue
				}
			}
			x, err := col.Encode(v)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", b.t.Name, err)
			}
			tables.SetPath(body, col.BodyPath(), x)
		}
	}
	for _, name := range act.Required {
		if _, ok := given(name); !ok {
			return nil, fmt.Errorf("%s: an INSERT must give %s to %s; nothing was sent", b.t.Name, name, w.Verb)
		}
	}
	mailboxPath, err := plan.MailboxPath(userID)
	if err != nil {
		return nil, fmt.Errorf("%s: mailbox %s: %w", b.t.Name, clip.String(userID), err)
	}
	p, err := b.fill(act.Path, mailboxPath, "", keys)
	if err != nil {
		return nil, err
	}
	o := &op{t: b.t, kind: vtab.WriteInsert, verb: w.Verb, mailbox: mailboxKey(userID), creates: act.Creates}
	o.label = insertLabel(b.t, keys)
	for _, v := range keys {
		if act.Sends && act.NoBody {
			o.excl = append(o.excl, itemKey(o.mailbox, v)) // sending a draft changes it
		} else {
			o.shared = append(o.shared, itemKey(o.mailbox, v))
		}
	}
	if w.Parent != "" {
		if o.parent, err = b.parentOf(o.mailbox, mailboxPath, keys); err != nil {
			return nil, err
		}
	}
	if data != nil {
		up := w.Upload
		item := map[string]any{}
		for k, v := range up.Static {
			item[k] = v
		}
		for k, v := range body {
			if _, static := act.Static[k]; !static {
				item[k] = v
			}
		}
		item[up.Size] = len(data)
		sp, err := b.fill(up.Session, mailboxPath, "", keys)
		if err != nil {
			return nil, err
		}
		sb, _ := json.Marshal(map[string]any{up.Item: item})
		o.upload = &uploadOp{session: graph.Write{Method: http.MethodPost, Path: sp, Header: b.hdr, Body: sb, Safe: true}, data: data, chunk: up.Chunk}
		return o, nil
	}
	req := graph.Write{Method: http.MethodPost, Path: p, Header: b.hdr}
	if !act.NoBody {
		if req.Body, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("%s: %w", b.t.Name, err)
		}
	}
	o.reqs = []graph.Write{req}
	return o, nil
}

// insertable lists the columns an INSERT into t may give.
func insertable(t *tables.Table) []string {
	var out []string
	for _, c := range t.Columns {
		if c.Write != nil && c.Write.When != tables.Never {
			out = append(out, c.Name)
		}
	}
	return out
}

// insertLabel names what an INSERT acts on, for errors: the message it
// replies to, or "new".
func insertLabel(t *tables.Table, keys map[string]string) string {
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		return fmt.Sprintf("%s %s", k, clip.String(keys[k]))
	}
	return "new " + singular(t)
}

// mailboxKey is the per-mailbox limit key of a user_id, as plan gives it.
func mailboxKey(userID string) string {
	if strings.EqualFold(userID, "me") {
		return "me"
	}
	return userID
}

// parentOf is the parent a write needs to be a draft, or nil.
func (b *builder) parentOf(mailbox, mailboxPath string, keys map[string]string) (*parentRef, error) {
	w := b.t.Writes
	if w.ParentDraft == "" {
		return nil, nil
	}
	id, ok := keys[w.Parent]
	if !ok || id == "" {
		return nil, fmt.Errorf("%s: an INSERT must give %s; nothing was sent", b.t.Name, w.Parent)
	}
	p, err := b.fill(w.ParentDraft, mailboxPath, "", keys)
	if err != nil {
		return nil, err
	}
	return &parentRef{mailbox: mailbox, path: p, id: id}, nil
}

// fill fills a write path's placeholders: {mailbox}, {id} and {column}.
func (b *builder) fill(path, mailboxPath, id string, keys map[string]string) (string, error) {
	out := strings.ReplaceAll(path, "/{mailbox}", mailboxPath)
	if id != "" {
		out = strings.ReplaceAll(out, "{id}", url.PathEscape(id))
	}
	for {
		i := strings.Index(out, "{")
		if i < 0 {
			return out, nil
		}
		j := strings.Index(out[i:], "}")
		if j < 0 {
			return out, nil
		}
		name := out[i+1 : i+j]
		v, ok := keys[name]
		if !ok || v == "" {
			return "", fmt.Errorf("%s: %s is required; nothing was sent", b.t.Name, name)
		}
		out = out[:i] + url.PathEscape(v) + out[i+j+1:]
	}
}

// showValue writes a SQL value in an error.
func showValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return fmt.Sprintf("%q", clip.String(x))
	case []byte:
		return fmt.Sprintf("a BLOB of %d bytes", len(x))
	}
	return fmt.Sprint(v)
}

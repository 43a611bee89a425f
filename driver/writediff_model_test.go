package driver_test

// The model of the write differential (writediff_test.go): a plain copy of
// a tenant's mailboxes, changed by Graph's rules as SCHEMA.md ("Changing
// mail (writes)") states them, written here and not taken from the fake.
//
// The model is a deep copy of the tenant (*fakegraph.Tenant, used only as
// a data structure); wdApply changes it for one statement, given the ids
// the statement's predicate matches (found by running the same predicate
// over the plain SQLite copy, which is rebuilt from the model after every
// statement). What Graph assigns itself (change keys, modification times,
// previews, flag dates, the normalised HTML of a body, everything about a
// new draft the statement did not give) is "volatile": compared for
// presence, then copied from the fake into the model.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
	plaincopy "github.com/outlooksql/outlooksql/internal/oracle"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// Column classes of messages for writes (SCHEMA.md).
var (
	// wdPatchCols are always writable (a PATCH of the property).
	wdPatchCols = []string{"is_read", "flag_status", "categories", "importance", "inference_classification",
		"is_read_receipt_requested", "is_delivery_receipt_requested"}
	// wdDraftCols are writable while the message is a draft.
	wdDraftCols = []string{"subject", "body", "to_recipients", "cc_recipients", "bcc_recipients", "reply_to"}
	// wdReadOnlyCols can never be written (a selection of them whose
	// status the contract leaves in no doubt).
	wdReadOnlyCols = []string{"received_date_time", "sent_date_time", "created_date_time", "last_modified_date_time",
		"id", "is_draft", "has_attachments", "conversation_id", "web_link", "change_key", "body_preview", "unique_body"}
)

// wdNot is the value of "SET col = NOT col" (a 0/1 column flipped per row).
type wdNot struct{}

// wdSet is one "col = value" of an UPDATE. val is int64, string or wdNot.
type wdSet struct {
	col string
	val any
}

// wdRow is one row of an INSERT: the columns it gives (nil: not given).
type wdRow struct {
	subject    string
	body       *fakegraph.ItemBody
	to         []fakegraph.Recipient // nil: not given
	importance string                // "": not given
}

// wdStmt is one generated write statement.
type wdStmt struct {
	kind string // "update", "move", "delete", "insert"
	sql  string
	args []any
	// box is the mailbox as the statement names it ("me", a UPN or an id).
	box string
	// matchSQL finds, over the plain copy, the ids the statement's WHERE
	// matches (update, move, delete), with matchArgs.
	matchSQL  string
	matchArgs []any
	set       []wdSet
	dest      string // move: folder id or well-known name
	rows      []wdRow
	folder    string // insert: folder_id ("": Drafts)
}

func (s *wdStmt) String() string {
	out := s.sql
	if len(s.args) > 0 {
		var parts []string
		for _, a := range s.args {
			parts = append(parts, canon(a))
		}
		out += "\n  args: " + strings.Join(parts, ", ")
	}
	return out
}

// wdKey names a message: its mailbox (the owner's UPN) and id.
type wdKey struct{ upn, id string }

// wdNew is a draft an INSERT must create.
type wdNew struct {
	upn    string
	row    wdRow
	parent string // the folder id it must land in
}

// wdOutcome is what the model expects of one statement.
type wdOutcome struct {
	// errCols, when not empty, means the statement must fail with an
	// error naming one of them, and change nothing.
	errCols []string
	// eitherWay: a statement writing a read-only column that matched no
	// row may fail or succeed (SQLite calls xUpdate for no row); it must
	// change nothing.
	eitherWay bool
	// vol are the volatile properties of the items the statement changes.
	vol map[wdKey]map[string]bool
	// inserts are the drafts to be created.
	inserts []wdNew
	// written are the items the statement may send a request about.
	written map[string]bool
}

// wdModel is the model of the tenant's mailboxes.
type wdModel struct {
	t  *fakegraph.Tenant
	me string // the signed-in userPrincipalName
}

// user finds a mailbox by the name a statement gives it.
func (m *wdModel) user(name string) *fakegraph.User {
	if name == "me" {
		name = m.me
	}
	for _, u := range m.t.Users {
		if strings.EqualFold(u.UserPrincipalName, name) || strings.EqualFold(u.ID, name) {
			return u
		}
	}
	return nil
}

func (m *wdModel) find(u *fakegraph.User, id string) *fakegraph.Message {
	for _, x := range u.Messages {
		if x.ID == id {
			return x
		}
	}
	return nil
}

// folder resolves a folder id or well-known name in u's mailbox ("" when
// it names none).
func wdFolder(u *fakegraph.User, name string) string {
	for _, f := range u.Folders {
		if f.ID == name || (f.WellKnownName != "" && strings.EqualFold(f.WellKnownName, name)) {
			return f.ID
		}
	}
	return ""
}

// wdApply changes the model for st, whose WHERE matched the given ids of
// its mailbox, and returns what the statement must do.
func (m *wdModel) apply(st *wdStmt, matched []string) wdOutcome {
	out := wdOutcome{vol: map[wdKey]map[string]bool{}, written: map[string]bool{}}
	u := m.user(st.box)
	if u == nil {
		panic("wdApply: no mailbox " + st.box)
	}
	var items []*fakegraph.Message
	for _, id := range matched {
		x := m.find(u, id)
		if x == nil {
			panic(fmt.Sprintf("wdApply: the copy matched %s, which the model does not hold", id))
		}
		items = append(items, x)
		out.written[id] = true
	}
	touch := func(x *fakegraph.Message, keys ...string) {
		k := wdKey{u.UserPrincipalName, x.ID}
		if out.vol[k] == nil {
			out.vol[k] = map[string]bool{"changeKey": true, "lastModifiedDateTime": true}
		}
		for _, key := range keys {
			out.vol[k][key] = true
		}
	}
	switch st.kind {
	case "update":
		var ro, draft []string
		for _, s := range st.set {
			switch {
			case slices.Contains(wdReadOnlyCols, s.col):
				ro = append(ro, s.col)
			case slices.Contains(wdDraftCols, s.col):
				draft = append(draft, s.col)
			}
		}
		if len(ro) > 0 {
			if len(items) == 0 {
				out.eitherWay = true
				return out
			}
			out.errCols = ro
			return out
		}
		if len(draft) > 0 {
			for _, x := range items {
				if !x.IsDraft {
					out.errCols = draft
					return out
				}
			}
		}
		for _, x := range items {
			touch(x)
			for _, s := range st.set {
				wdSetProp(x, s)
				switch s.col {
				case "flag_status":
					touch(x, "flag.dates")
				case "body":
					touch(x, "body.content", "bodyPreview", "uniqueBody")
				}
			}
		}
	case "move":
		dest := wdFolder(u, st.dest)
		if dest == "" {
			panic("wdApply: no folder " + st.dest)
		}
		for _, x := range items {
			x.ParentFolderID = dest
			touch(x)
		}
	case "delete":
		u.Messages = slices.DeleteFunc(u.Messages, func(x *fakegraph.Message) bool { return out.written[x.ID] })
	case "insert":
		parent := wdFolder(u, "drafts")
		if st.folder != "" {
			parent = wdFolder(u, st.folder)
		}
		for _, r := range st.rows {
			out.inserts = append(out.inserts, wdNew{upn: u.UserPrincipalName, row: r, parent: parent})
		}
	default:
		panic("wdApply: kind " + st.kind)
	}
	return out
}

// wdSetProp sets one column of a message as a PATCH does.
func wdSetProp(x *fakegraph.Message, s wdSet) {
	b := func(cur bool) bool {
		if _, ok := s.val.(wdNot); ok {
			return !cur
		}
		return s.val.(int64) != 0
	}
	str := func() string { return s.val.(string) }
	switch s.col {
	case "is_read":
		x.IsRead = b(x.IsRead)
	case "is_read_receipt_requested":
		x.IsReadReceiptRequested = b(x.IsReadReceiptRequested)
	case "is_delivery_receipt_requested":
		x.IsDeliveryReceiptRequested = b(x.IsDeliveryReceiptRequested)
	case "flag_status":
		x.Flag = fakegraph.Flag{Status: str()} // dates: volatile
	case "categories":
		var cats []string
		if err := json.Unmarshal([]byte(str()), &cats); err != nil {
			panic(err)
		}
		x.Categories = cats
	case "importance":
		x.Importance = str()
	case "inference_classification":
		x.InferenceClassification = str()
	case "subject":
		x.Subject = str()
	case "body":
		x.Body.Content = str()
	case "body_content_type":
		x.Body.ContentType = str()
	case "to_recipients":
		x.ToRecipients = wdParseRecipients(str())
	case "cc_recipients":
		x.CcRecipients = wdParseRecipients(str())
	case "bcc_recipients":
		x.BccRecipients = wdParseRecipients(str())
	case "reply_to":
		x.ReplyTo = wdParseRecipients(str())
	default:
		panic("wdSetProp: " + s.col)
	}
}

type wdRecipientJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

func wdRecipientsJSON(rs []fakegraph.Recipient) string {
	out := make([]wdRecipientJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, wdRecipientJSON(r))
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func wdParseRecipients(s string) []fakegraph.Recipient {
	var in []wdRecipientJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		panic(err)
	}
	out := make([]fakegraph.Recipient, 0, len(in))
	for _, r := range in {
		out = append(out, fakegraph.Recipient(r))
	}
	return out
}

// --- copies ---

// wdCopyTenant is a deep copy of t (the model is changed by the test
// alone).
func wdCopyTenant(t *fakegraph.Tenant) *fakegraph.Tenant { return t.Clone() }

// wdCopyMessage is a deep copy of m.
func wdCopyMessage(m *fakegraph.Message) *fakegraph.Message { return fakegraph.CloneMessage(m) }

// --- properties ---

// wdProp is one property of a message in comparable text.
type wdProp struct{ key, val string }

// wdProps lists every property of a message, in a fixed order.
func wdProps(m *fakegraph.Message) []wdProp {
	rec := func(r *fakegraph.Recipient) string {
		if r == nil {
			return "null"
		}
		return r.Name + " <" + r.Address + ">"
	}
	recs := func(rs []fakegraph.Recipient) string {
		var parts []string
		for _, r := range rs {
			parts = append(parts, rec(&r))
		}
		return "[" + strings.Join(parts, "; ") + "]"
	}
	tm := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	tp := func(t *time.Time) string {
		if t == nil {
			return "null"
		}
		return tm(*t)
	}
	bl := func(b bool) string { return fmt.Sprint(b) }
	ub := "null"
	if m.UniqueBody != nil {
		ub = m.UniqueBody.ContentType + ":" + m.UniqueBody.Content
	}
	cats, _ := json.Marshal(append([]string{}, m.Categories...))
	var hdrs []string
	for _, h := range m.InternetMessageHeaders {
		hdrs = append(hdrs, h.Name+": "+h.Value)
	}
	var atts []string
	for _, a := range m.Attachments {
		atts = append(atts, fmt.Sprintf("%s %s %s %q %d inline=%v", a.Kind, a.ID, a.Name, a.ContentType, a.Size, a.IsInline))
	}
	return []wdProp{
		{"id", m.ID},
		{"parentFolderId", m.ParentFolderID},
		{"isDraft", bl(m.IsDraft)},
		{"subject", m.Subject},
		{"body.contentType", strings.ToLower(m.Body.ContentType)},
		{"body.content", m.Body.Content},
		{"uniqueBody", ub},
		{"bodyPreview", m.Preview()},
		{"from", rec(m.From)},
		{"sender", rec(m.Sender)},
		{"toRecipients", recs(m.ToRecipients)},
		{"ccRecipients", recs(m.CcRecipients)},
		{"bccRecipients", recs(m.BccRecipients)},
		{"replyTo", recs(m.ReplyTo)},
		{"receivedDateTime", tm(m.ReceivedDateTime)},
		{"sentDateTime", tm(m.SentDateTime)},
		{"createdDateTime", tm(m.CreatedDateTime)},
		{"lastModifiedDateTime", tm(m.LastModifiedDateTime)},
		{"importance", m.Importance},
		{"inferenceClassification", m.InferenceClassification},
		{"isRead", bl(m.IsRead)},
		{"isReadReceiptRequested", bl(m.IsReadReceiptRequested)},
		{"isDeliveryReceiptRequested", bl(m.IsDeliveryReceiptRequested)},
		{"flag.flagStatus", m.Flag.Status},
		{"flag.dates", tp(m.Flag.Start) + " " + tp(m.Flag.Due) + " " + tp(m.Flag.Completed)},
		{"categories", string(cats)},
		{"conversationId", m.ConversationID},
		{"internetMessageId", m.InternetMessageID},
		{"webLink", m.Link()},
		{"changeKey", m.ChangeKey},
		{"internetMessageHeaders", strings.Join(hdrs, "\n")},
		{"attachments", strings.Join(atts, "\n")},
	}
}

// wdCompareItem compares the fake's message with the model's; vol are the
// volatile properties (compared for presence; an HTML body for containing
// the model's content). It returns the first difference, or "".
func wdCompareItem(got, want *fakegraph.Message, vol map[string]bool) string {
	gp, wp := wdProps(got), wdProps(want)
	for i := range gp {
		k := gp[i].key
		g, w := gp[i].val, wp[i].val
		if vol[k] {
			switch k {
			case "changeKey":
				if g == "" {
					return "changeKey: empty"
				}
			case "lastModifiedDateTime":
				if got.LastModifiedDateTime.IsZero() {
					return "lastModifiedDateTime: zero"
				}
			case "body.content":
				if !wdSameBody(g, w, want.Body.ContentType) {
					return fmt.Sprintf("body.content: got %q, want %q", clipText(g, 300), clipText(w, 300))
				}
			}
			continue
		}
		if g != w {
			return fmt.Sprintf("%s: got %q, want %q", k, clipText(g, 300), clipText(w, 300))
		}
	}
	return ""
}

// wdSameBody reports whether the body content Graph holds is the content
// written: the same text (line ends aside), or for HTML, a document that
// holds it (Graph wraps HTML in <html><head>…<body>).
func wdSameBody(got, want, contentType string) bool {
	nl := strings.NewReplacer("\r\n", "\n")
	g, w := nl.Replace(got), nl.Replace(want)
	return g == w || (strings.EqualFold(contentType, "html") && strings.Contains(g, w))
}

// wdAdopt copies the volatile properties of the fake's message into the
// model's.
func wdAdopt(model, fake *fakegraph.Message, vol map[string]bool) {
	for k := range vol {
		switch k {
		case "changeKey":
			model.ChangeKey = fake.ChangeKey
		case "lastModifiedDateTime":
			model.LastModifiedDateTime = fake.LastModifiedDateTime
		case "flag.dates":
			f := wdCopyMessage(fake).Flag
			model.Flag.Start, model.Flag.Due, model.Flag.Completed = f.Start, f.Due, f.Completed
		case "body.content":
			model.Body.Content = fake.Body.Content
		case "bodyPreview":
			model.BodyPreview = fake.Preview()
		case "uniqueBody":
			c := wdCopyMessage(fake)
			model.UniqueBody = c.UniqueBody
		}
	}
}

// wdCheckNew compares a draft the fake created with what the INSERT gave.
func wdCheckNew(got *fakegraph.Message, want wdNew) string {
	switch {
	case !got.IsDraft:
		return "isDraft: got false, want true"
	case got.ParentFolderID != want.parent:
		return fmt.Sprintf("parentFolderId: got %q, want %q", got.ParentFolderID, want.parent)
	case got.Subject != want.row.subject:
		return fmt.Sprintf("subject: got %q, want %q", got.Subject, want.row.subject)
	case got.ID == "" || got.ChangeKey == "":
		return "a new draft without id or changeKey"
	}
	if b := want.row.body; b != nil {
		if !strings.EqualFold(got.Body.ContentType, b.ContentType) {
			return fmt.Sprintf("body.contentType: got %q, want %q", got.Body.ContentType, b.ContentType)
		}
		if !wdSameBody(got.Body.Content, b.Content, b.ContentType) {
			return fmt.Sprintf("body.content: got %q, want %q", got.Body.Content, b.Content)
		}
	}
	if want.row.to != nil {
		if g, w := wdRecipientsJSON(got.ToRecipients), wdRecipientsJSON(want.row.to); g != w {
			return fmt.Sprintf("toRecipients: got %s, want %s", g, w)
		}
	}
	if want.row.importance != "" && got.Importance != want.row.importance {
		return fmt.Sprintf("importance: got %q, want %q", got.Importance, want.row.importance)
	}
	if len(got.Categories) > 0 || got.Flag.Status == "flagged" || got.Flag.Status == "complete" {
		return fmt.Sprintf("a new draft with categories %v and flag %q", got.Categories, got.Flag.Status)
	}
	return ""
}

// --- the plain copy ---

// wdLoadPlain (re)builds the plain copy in db from the model.
func wdLoadPlain(db *sql.DB, t *fakegraph.Tenant, me string) error {
	// Only the copy's own tables: the driver's eponymous virtual tables
	// of the same names cannot be dropped.
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table'")
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		if tables.ByName(n) == nil {
			continue
		}
		if _, err := db.Exec("DROP TABLE main." + n); err != nil {
			return err
		}
	}
	return plaincopy.Load(db, t, me)
}

// wdMatch runs the statement's WHERE over the plain copy: the ids it
// matches, sorted.
func wdMatch(db *sql.DB, st *wdStmt) ([]string, error) {
	rows, err := db.Query(st.matchSQL, st.matchArgs...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", st.matchSQL, err)
	}
	defer rows.Close()
	var ids []string
	seen := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, rows.Err()
}

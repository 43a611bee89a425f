package tables

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
)

// When says when a column may be written.
type When uint8

// The times a column may be written. The zero When is Never: a column
// without Write cannot be written.
const (
	Never      When = iota
	Always          // INSERT, and UPDATE of any item
	DraftOnly       // INSERT, and UPDATE while the item is a draft (Writes.Draft)
	InsertOnly      // INSERT only: an input of the create or the action
)

// How says what writing a column does.
type How uint8

// The ways a column is written.
const (
	// Body: the value is a member of the request body (PATCH, create,
	// action), at Write.Body.
	Body How = iota
	// Move: an UPDATE moves the item, POST Writes.Move with
	// {"destinationId": value}.
	Move
	// Scope: the value picks the request's path (user_id, folder_id,
	// message_id, draft_id) or its Action (reply_all); it is not sent.
	Scope
)

// Write is how a column may be written.
type Write struct {
	When When
	How  How
	// Body is the dotted path of the value in a request body
	// ("flag.flagStatus", "message.subject"); empty: the column's Path.
	Body string
}

// Writes is how a table's rows change; nil for a read-only table.
type Writes struct {
	// Update is the PATCH path of one item ("/{mailbox}/messages/{id}");
	// empty: UPDATE may only move.
	Update string
	// Move is the POST path that moves one item
	// ("/{mailbox}/messages/{id}/move"); empty: no column moves.
	Move string
	// Delete is the DELETE path of one item; empty: DELETE is refused.
	Delete string
	// Insert are the requests an INSERT may send: the first whose If column
	// is given (not NULL, and not 0 for a Bool) is used, and an Action
	// without If is the default. Empty: INSERT is refused.
	Insert []Action
	// Draft is the Bool column that says whether an item is a draft, for
	// DraftOnly columns.
	Draft string
	// Needs are the columns a write reads from the item besides the keys:
	// a scan that feeds an UPDATE or DELETE selects them and the WHERE
	// clause's columns, nothing more.
	Needs []string
	// Parent, for rows that belong to a parent item (attachments of a
	// message), is the key column naming the parent, whose Draft-ness
	// ParentDraft checks before any write.
	Parent string
	// ParentDraft is the GET path that reads the parent's isDraft
	// ("/{mailbox}/messages/{message_id}?$select=isDraft"); empty: no check.
	ParentDraft string
	// Upload, when set, sends a Blob column too large for one request
	// through an upload session.
	Upload *Upload
	// Scope is the permission writes need ("Mail.ReadWrite").
	Scope string
	// Verb names what an INSERT does, for people ("send", "reply").
	Verb string
	// Item names one row, for people ("message").
	Item string
}

// Action is the POST an INSERT sends.
type Action struct {
	// If names the column whose value picks this action; empty: the default.
	If string
	// Path is the POST path, with {mailbox} and {column} placeholders
	// filled by the row's values ("/{mailbox}/messages/{message_id}/reply").
	Path string
	// Static holds body members every request of the action carries
	// ({"@odata.type": "#microsoft.graph.fileAttachment"}).
	Static map[string]any
	// NoBody: the action takes no body; a Body column given with it is an
	// error.
	NoBody bool
	// Creates is true when Graph answers with the created item, whose id
	// last_insert_id() then returns.
	Creates bool
	// Sends is true when the action sends mail (Mail.Send).
	Sends bool
	// Required are columns the action cannot do without, besides the
	// placeholders of Path.
	Required []string
}

// Upload sends large bytes through an upload session.
type Upload struct {
	// Column is the Blob column of the bytes.
	Column string
	// Over is the size above which a session is used (3 MB).
	Over int
	// Chunk is the most bytes one PUT carries (at most 4 MB).
	Chunk int
	// Session is the POST path that creates the session.
	Session string
	// Item is the member of the session request holding the item's
	// properties ("AttachmentItem"), with Static members added.
	Item   string
	Static map[string]any
	// Size is the member of Item that carries the size in bytes.
	Size string
}

// Writable reports whether the column may be written in an UPDATE of an
// item (draft tells whether the item is a draft).
func (c *Column) Writable(insert, draft bool) bool {
	if c.Write == nil {
		return false
	}
	switch c.Write.When {
	case Always:
		return true
	case DraftOnly:
		return insert || draft
	case InsertOnly:
		return insert
	}
	return false
}

// BodyPath is the dotted path of the column's value in a request body.
func (c *Column) BodyPath() string {
	if c.Write != nil && c.Write.Body != "" {
		return c.Write.Body
	}
	return c.Path
}

// Encode turns a SQL value written to the column into its JSON value in a
// request body. The error names the column and says what it takes. NULL
// is no value of a Bool, an Integer or an Enum (an error: Graph refuses
// null there); NULL recipients or a NULL list is the empty list (Graph
// refuses a null collection); NULL text is null.
func (c *Column) Encode(v any) (any, error) {
	if v == nil {
		switch c.Type {
		case Bool, Integer:
		case Enum:
			if len(c.Members) == 0 {
				return nil, fmt.Errorf("%s takes a value, not NULL", c.Name)
			}
		case Recipients:
			return []any{}, nil
		case JSON:
			return []string{}, nil
		default:
			return nil, nil
		}
	}
	switch c.Type {
	case Bool:
		switch x := v.(type) {
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case float64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return nil, fmt.Errorf("%s takes 0 or 1, not %s", c.Name, show(v))
	case Integer:
		if x, ok := v.(int64); ok {
			return x, nil
		}
		return nil, fmt.Errorf("%s takes an integer, not %s", c.Name, show(v))
	case Enum:
		s, ok := v.(string)
		if ok {
			if len(c.Members) == 0 {
				return s, nil
			}
			for _, m := range c.Members {
				if strings.EqualFold(m, s) {
					return m, nil
				}
			}
		}
		return nil, fmt.Errorf("%s takes one of %s, not %s", c.Name, strings.Join(c.Members, ", "), show(v))
	case Recipients:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s takes recipients as JSON text ('[{\"name\":\"Bob\",\"address\":\"bob@contoso.com\"}]') or addresses separated by ;, not %s", c.Name, show(v))
		}
		rs, err := ParseRecipients(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		return rs, nil
	case JSON:
		s, ok := v.(string)
		var list []string
		if !ok || json.Unmarshal([]byte(s), &list) != nil {
			return nil, fmt.Errorf("%s takes a JSON array of strings ('[\"Red category\"]'), not %s", c.Name, show(v))
		}
		if list == nil {
			list = []string{}
		}
		return list, nil
	case Blob:
		switch x := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(x), nil
		case string:
			return base64.StdEncoding.EncodeToString([]byte(x)), nil
		}
		return nil, fmt.Errorf("%s takes bytes (a BLOB), not %s", c.Name, show(v))
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case int64, float64:
		return fmt.Sprint(x), nil
	}
	return nil, fmt.Errorf("%s takes text, not %s", c.Name, show(v))
}

// show writes a SQL value for an error, short.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		if len(x) > 60 {
			x = x[:60] + "…"
		}
		return strconv.Quote(x)
	case []byte:
		return fmt.Sprintf("a BLOB of %d bytes", len(x))
	}
	return fmt.Sprint(v)
}

// recipient is a Graph recipient.
type recipient struct {
	EmailAddress struct {
		Name    string `json:"name,omitempty"`
		Address string `json:"address"`
	} `json:"emailAddress"`
}

// ParseRecipients reads recipients as they are read back
// ('[{"name":"Bob","address":"bob@contoso.com"}]'), or a bare address list
// separated by ; or , ('bob@contoso.com; Carol <carol@contoso.com>'), into
// Graph's recipient objects.
func ParseRecipients(s string) ([]any, error) {
	t := strings.TrimSpace(s)
	out := []any{}
	if strings.HasPrefix(t, "[") {
		var list []struct {
			Name    string `json:"name"`
			Address string `json:"address"`
		}
		if err := json.Unmarshal([]byte(t), &list); err != nil {
			return nil, fmt.Errorf(`recipients must be a JSON array like [{"name":"Bob","address":"bob@contoso.com"}]: %v`, err)
		}
		for _, r := range list {
			if !strings.Contains(r.Address, "@") {
				return nil, fmt.Errorf("recipient %s has no valid address", show(r.Address))
			}
			var x recipient
			x.EmailAddress.Name, x.EmailAddress.Address = r.Name, r.Address
			out = append(out, x)
		}
		return out, nil
	}
	if t == "" {
		return out, nil
	}
	for _, part := range strings.FieldsFunc(t, func(r rune) bool { return r == ';' || r == ',' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := mail.ParseAddress(part)
		if err != nil {
			return nil, fmt.Errorf("%s is not an email address (write 'bob@contoso.com' or 'Bob <bob@contoso.com>', separated by ;)", show(part))
		}
		var x recipient
		x.EmailAddress.Name, x.EmailAddress.Address = a.Name, a.Address
		out = append(out, x)
	}
	return out, nil
}

// SetPath sets the member at a dotted path of a JSON object held as maps,
// creating the objects on the way ("flag.flagStatus").
func SetPath(obj map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
	obj[parts[len(parts)-1]] = v
}

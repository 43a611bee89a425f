// Package tables declares the Graph mail tables as data: their columns, the
// Graph properties behind them, and which operators Graph can evaluate for
// each. One generic planner (package plan) and one cursor serve them all.
package tables

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Keys a column may fill (Column.Key): the placeholders of a table's paths,
// $search, or a query parameter (Column.Param).
const (
	KeyMailbox = "mailbox" // {mailbox}: "/me" or "/users/{id}"
	KeyFolder  = "folder"  // {folder}: a folder id or well-known name
	KeySearch  = "search"  // $search
	KeyMessage = "message" // {message}: a message id
	KeyID      = "id"      // {id}: one entity by id
)

// ID is the property that identifies every Graph entity.
const ID = "id"

// UsersPath is the Graph path of other users' mailboxes: a {mailbox} that is
// not /me is UsersPath followed by the user's id or userPrincipalName.
const UsersPath = "/users"

// Type is how a column's value is stored in SQLite and decoded from Graph.
type Type int

// Column types.
const (
	Text         Type = iota // a JSON string, as TEXT
	Integer                  // a JSON number, as INTEGER
	Bool                     // a JSON boolean, as INTEGER 0/1
	Date                     // a DateTimeOffset, as TEXT "2024-03-01T09:15:00Z"
	Enum                     // a Graph enum member, as TEXT
	Recipients               // Collection(recipient), as TEXT JSON [{"name","address"}]
	JSON                     // any other collection, as TEXT holding its JSON
	Blob                     // bytes (base64 in JSON), as BLOB
	Kind                     // @odata.type's last segment, less "Attachment": file/item/reference
	DateTimeZone             // a dateTimeTimeZone {dateTime, timeZone}, as TEXT "2024-03-01T09:15:00Z"
)

// SQLType is the column's declared type in the CREATE TABLE statement.
func (t Type) SQLType() string {
	switch t {
	case Integer, Bool:
		return "INTEGER"
	case Blob:
		return "BLOB"
	}
	return "TEXT"
}

// Ops is a set of operators Graph can evaluate on a column in $filter.
type Ops uint16

// The operators a column may push down.
const (
	Eq         Ops = 1 << iota // eq
	Ne                         // ne
	Cmp                        // lt le gt ge
	StartsWith                 // startswith(p,'x')
	Contains                   // contains(p,'x')
	Null                       // eq null / ne null
	AnyEq                      // p/any(c:c eq 'x'), for collections of strings
	In                         // in (...) (directory objects)
	EndsWith                   // endswith(p,'x') (directory objects, advanced query)
)

// Has reports whether all of o2 are in o.
func (o Ops) Has(o2 Ops) bool { return o&o2 == o2 }

// Column is one column of a table.
type Column struct {
	Name string // SQL name, snake_case
	Type Type
	// Hidden columns are scope inputs (mailbox, folder, search), given in
	// WHERE or as table-valued-function arguments. They echo their value.
	Hidden bool
	// Key names the path placeholder a hidden or key column fills when the
	// query gives it by equality: "mailbox" (user_id), "folder" (folder_id),
	// "search" ($search), "message" (attachments' message_id), "id" (one
	// entity by id). Empty for plain columns.
	Key string
	// Property is the OData property path used in $filter and $orderby
	// ("from/emailAddress/address"); empty when Graph cannot filter or sort on it.
	Property string
	// Select is the top-level property named in $select to get the column
	// ("from"); empty for columns Graph does not send (hidden, computed).
	Select string
	// Path is the gjson path of the value in a Graph item
	// ("from.emailAddress.address").
	Path string
	// Filter is the set of operators Graph evaluates on Property.
	Filter Ops
	// CaseInsensitive is true when Graph compares the property's strings
	// without regard to case, so eq/startswith/contains only pre-filter.
	CaseInsensitive bool
	// Advanced is true when filtering on the property needs Graph's advanced
	// query mode (ConsistencyLevel: eventual and $count=true).
	Advanced bool
	// Sort is true when Graph can $orderby Property in the order SQLite's
	// BINARY collation gives (dates in Graph's fixed format).
	Sort bool
	// Sparse marks a column Graph only sends when it is named in $select
	// (uniqueBody, internetMessageHeaders) or whose value is expensive (body);
	// the planner selects it only when the query uses it.
	Sparse bool
	// HeavyPage, when not 0, marks a column whose values may be large (a
	// body, headers, attachment bytes): Graph may take too long to build a
	// page of many items that carry it and answer 504. A scan that selects
	// it starts at this $top (or less) and its pages adapt: smaller after
	// a 504 or a timeout, larger again after pages that succeed.
	HeavyPage int
	// Members are the members Graph accepts for an Enum property, in the
	// case Graph writes them. A value outside them is not pushed: Graph
	// would answer 400 where SQL answers no rows.
	Members []string
	// Nullable marks a Sort property that may be null; SQLite sorts NULL
	// first and Graph's placement is unknown, so ORDER BY on it is consumed
	// only when a constraint already excludes NULL.
	Nullable bool
	// Always marks a property the table's fetch needs whatever the query
	// uses (a folder tree walks by id, name and child count); it is always
	// in $select.
	Always bool
	// Full marks a column only Graph's full representation carries: when
	// the query uses it, no $select is sent.
	Full bool
	// Rows estimates the rows of a scan when this key column is given
	// (a folder's messages, a message's attachments); 0: Table.Rows.
	Rows int
	// Param, for a key column, is the query parameter its value fills
	// (calendarView-style ?startDateTime=…) rather than a path placeholder.
	Param string
	// NotFound is the advice added when Graph says a request scoped by this
	// key column names no such item; %q is the column's value.
	NotFound string
	// Content, for a Blob column, is where its bytes are read when the
	// item lacks them.
	Content *Content
	// Write says whether and how INSERT and UPDATE may set the column; nil:
	// they may not.
	Write *Write
	// Doc says what the column holds.
	Doc string
}

// Content is a second request for a column's value that a listing leaves
// out (an attachment's bytes: item attachments, files over 3 MB).
type Content struct {
	// Path is the value's Graph path, with {mailbox}, {id} (the item's id)
	// and the placeholders of the table's other keys.
	Path string
	// None reports an item that has no such value (Graph would answer 405):
	// the column is NULL without a request.
	None func(item gjson.Result) bool
}

// Fetch is how a table's rows are read from Graph. The zero Fetch reads a
// collection, paged by @odata.nextLink.
type Fetch struct {
	// Tree, when set, walks a tree: the collection, then each item's
	// children, recursively, depth-first.
	Tree *Tree
	// Expand, when set, reads the rows as the items nested in a parent
	// collection's items (messages?$expand=attachments) when the query does
	// not give the parent by its key.
	Expand *Expand
	// Entity is true when the table's Item path answers with one entity,
	// not a collection (/mailboxSettings): one row per mailbox, read by a
	// GET like an entity by id.
	Entity bool
	// Empty is true for a table that reads back no rows, without a request
	// (replies, forwards: actions, not items).
	Empty bool
}

// Flat reports whether the rows are the items of one paged collection in
// Graph's order, so that $orderby, $skip and $top apply to the rows.
func (f Fetch) Flat() bool { return f.Tree == nil && f.Expand == nil && !f.Entity && !f.Empty }

// Tree is a table whose rows form a tree.
type Tree struct {
	// Children is the path of an item's children, appended to the
	// collection's path, with {id}: "/{id}/childFolders".
	Children string
	// Name is the property whose values, joined by / from the top, fill
	// the column Path; Count is the property that says whether an item has
	// children.
	Name, Count string
	// Path is the computed column that holds an item's path.
	Path string
}

// Expand is a table whose rows are nested in a parent's items.
type Expand struct {
	// Key is the key that names one parent: given, the table's own
	// Collection is read; not given, Parent is listed with $expand.
	Key string
	// Parent is the parent collection's path, with {mailbox}.
	Parent string
	// Property is the parent's navigation property holding the rows.
	Property string
	// ParentRows estimates the parent collection's size.
	ParentRows int
	// MaxTop is the largest $top the parent collection accepts: the page
	// size of the scan, in parents, unless a column is heavy.
	MaxTop int
	// Has, when set, narrows the parents for a query that asks
	// Has.Column = Has.Value to those whose Has.Property is true.
	Has *Has
}

// Has is a parent property that tells which parents can have the rows a
// query wants (hasAttachments for is_inline = 0).
type Has struct {
	Column   string
	Value    bool
	Property string
}

// Settings are the connection settings a table's headers depend on.
type Settings struct {
	// BodyContentType is "html" or "text", or "" for Graph's default.
	BodyContentType string
	// AppOnly is true for an app-only connection (client credentials),
	// which has application permissions and no Scope or sign-in.
	AppOnly bool
}

// Need is a permission a table (or some of its columns) needs.
type Need struct {
	// Scope is the least permission that would do, e.g. "Mail.Read".
	Scope string
	// Any lists the permissions of which any one will do.
	Any []string
	// What names what needs it when not the whole table: "message bodies"
	// with Columns, or a phrase used as it is.
	What string
	// Columns are the columns that need it, named after What.
	Columns []string
}

// Table is one virtual table.
type Table struct {
	Name string
	Doc  string
	// Collection is the Graph path of the collection, with placeholders
	// {mailbox} (the escaped mailbox segment, "me" or "users/{id}") and
	// {folder} (an escaped folder id), e.g. "/{mailbox}/messages".
	Collection string
	// InFolder is the path used when the folder_id hidden column is given.
	InFolder string
	// Item is the path of one entity by id, with {id} (and {message} for
	// attachments), e.g. "/{mailbox}/messages/{id}".
	Item string
	// Columns in declaration order; the hidden ones, in their order, are the
	// table-valued-function arguments.
	Columns []Column
	// Fetch says how rows are read.
	Fetch Fetch
	// Query holds query options the collection always takes
	// ("includeHiddenFolders=true").
	Query []string
	// Rows estimates the rows of a scan by the path keys alone.
	Rows int
	// Header returns the headers every request of the table carries (the
	// mail Prefer header); nil: none.
	Header func(s Settings) map[string]string
	// Needs are the permissions the table needs.
	Needs []Need
	// Forbidden is the advice added when Graph answers 403 to the table's
	// requests, for the connection's settings (delegated or app-only); nil
	// adds none.
	Forbidden func(Settings) string
	// MaxTop is the largest $top Graph accepts; DefaultPage is Graph's page
	// size when $top is not sent.
	MaxTop, DefaultPage int
	// Search is true when the collection accepts $search.
	Search bool
	// Directory is true for directory objects (/users): advanced queries,
	// $skiptoken paging, no $skip.
	Directory bool
	// Skip is true when Graph accepts $skip on the collection.
	Skip bool
	// Partition is the Graph property (a date that is never null) whose
	// half-open ranges may split a long listing into concurrent chains;
	// "": listings are never split.
	Partition string
	// Writes says how rows change; nil: the table is read-only.
	Writes *Writes
}

// Column returns the index of the named column, or -1.
func (t *Table) Column(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// KeyColumn returns the index of the column that fills key k, or -1.
func (t *Table) KeyColumn(k string) int {
	for i, c := range t.Columns {
		if c.Key == k {
			return i
		}
	}
	return -1
}

// Schema returns the CREATE TABLE statement that declares the table to SQLite.
func (t *Table) Schema() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s(", t.Name)
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.Name, c.Type.SQLType())
		if c.Hidden {
			b.WriteString(" HIDDEN")
		}
	}
	b.WriteString(")")
	return b.String()
}

// All is every table, in the order `tables` lists them.
var All = []*Table{Messages, MailFolders, Users, AttachmentsTable, MessageRules, MasterCategories, MailboxSettings, Outbox, Replies, Forwards}

// ByName returns the named table, or nil.
func ByName(name string) *Table {
	for _, t := range All {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

// MayBeKey reports whether the column's values may be another scan's key
// (a join's lookahead looks for keys in them): ids, and the names of a
// mailbox (a user's userPrincipalName and mail). Not a message's
// addresses: the sender of one message may be the mailbox a join reads,
// and the next messages' senders are not.
func (c Column) MayBeKey() bool {
	return c.Name == ID || strings.HasSuffix(c.Name, "_id") || c.Name == "user_principal_name" || c.Name == "mail"
}

// Package tables declares the Graph mail tables as data: their columns, the
// Graph properties behind them, and which operators Graph can evaluate for
// each. One generic planner (package plan) and one cursor serve them all.
package tables

import (
	"fmt"
	"strings"
)

// Type is how a column's value is stored in SQLite and decoded from Graph.
type Type int

// Column types.
const (
	Text       Type = iota // a JSON string, as TEXT
	Integer                // a JSON number, as INTEGER
	Bool                   // a JSON boolean, as INTEGER 0/1
	Date                   // a DateTimeOffset, as TEXT "2024-03-01T09:15:00Z"
	Enum                   // a Graph enum member, as TEXT
	Recipients             // Collection(recipient), as TEXT JSON [{"name","address"}]
	JSON                   // any other collection, as TEXT holding its JSON
	Blob                   // bytes (base64 in JSON), as BLOB
	Kind                   // @odata.type's last segment, less "Attachment": file/item/reference
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
	// Doc says what the column holds.
	Doc string
}

// Fetch is how a table's rows are read from Graph.
type Fetch int

// The ways of fetching rows.
const (
	List        Fetch = iota // a collection, paged by @odata.nextLink
	FolderTree               // mailFolders, then childFolders of each folder, recursively
	Attachments              // per message, or via messages?$expand=attachments
)

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
var All = []*Table{Messages, MailFolders, Users, AttachmentsTable}

// ByName returns the named table, or nil.
func ByName(name string) *Table {
	for _, t := range All {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

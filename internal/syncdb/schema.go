package syncdb

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// A synced table: the virtual table's columns as ordinary ones, user_id
// first (the owner's real id), folder_id and search left out.
type table struct {
	t    *tables.Table
	cols []*tables.Column // the copied columns, in the table's order; user_id included
	// owned is true when the table has a user_id column: its key is
	// (user_id, id), else id.
	owned bool
}

// schemaOf returns the synced form of t: every column but folder_id,
// search and the attachment bytes; user_id an ordinary column.
func schemaOf(t *tables.Table) *table {
	s := &table{t: t}
	for i := range t.Columns {
		c := &t.Columns[i]
		switch {
		case c.Key == tables.KeyMailbox:
			s.owned = true
		case c.Hidden: // folder_id, search: scope inputs, not data
			continue
		case c.Type == tables.Blob: // attachment bytes: metadata only
			continue
		}
		s.cols = append(s.cols, c)
	}
	return s
}

// key returns the primary key's columns: (user_id, id), with message_id
// between them for a message's items (attachments), or id alone.
func (s *table) key() string {
	switch {
	case s.owned && s.col("message_id") >= 0 && s.t.Name == TableAttachments:
		return "user_id, message_id, id"
	case s.owned:
		return "user_id, id"
	}
	return "id"
}

// names returns the column names.
func (s *table) names() []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.Name
	}
	return out
}

// create returns the statements that make the table and its indexes.
func (s *table) create() []string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s(", s.t.Name)
	for i, c := range s.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.Name, c.Type.SQLType())
		if c.Name == tables.ID || c.Key == tables.KeyMailbox {
			b.WriteString(" NOT NULL")
		}
	}
	fmt.Fprintf(&b, ", PRIMARY KEY(%s))", s.key())
	stmts := []string{b.String()}
	for _, c := range s.cols {
		if c.Type == tables.Date || c.Name == "from_address" || c.Name == "parent_folder_id" || c.Name == "message_id" {
			stmts = append(stmts, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s_%s ON %s(%s)", s.t.Name, c.Name, s.t.Name, c.Name))
		}
	}
	return stmts
}

// selectList is the $select that fetches the columns: their top-level
// properties, in order, without repeats. Columns whose property is in
// skip are left out (the bodies without --body).
func (s *table) selectList(skip ...string) string {
	var props []string
	for _, c := range s.cols {
		p := c.Select
		if i := strings.LastIndexByte(p, '/'); i >= 0 {
			p = p[:i] // microsoft.graph.fileAttachment/contentId: cast, not a property
		}
		if p == "" || strings.Contains(c.Select, "/") || slices.Contains(props, p) || slices.Contains(skip, p) {
			continue
		}
		props = append(props, p)
	}
	return strings.Join(props, ",")
}

// row decodes item into the table's columns, user_id set to userID. present
// reports, per column, whether item carries its property (an updated item
// may carry only the changed ones).
func (s *table) row(userID string, item gjson.Result) (vals []any, present []bool, err error) {
	vals = make([]any, len(s.cols))
	present = make([]bool, len(s.cols))
	for i, c := range s.cols {
		if c.Key == tables.KeyMailbox {
			vals[i], present[i] = userID, true
			continue
		}
		if c.Path == "" {
			continue // computed (a folder's path) or a key (message_id): the caller fills it
		}
		v := item.Get(c.Path)
		top := c.Path
		if j := strings.IndexByte(top, '.'); j >= 0 && !strings.HasPrefix(top, "@") {
			top = top[:j]
		}
		present[i] = v.Exists() || item.Get(top).Exists()
		d, err := c.Decode(v)
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", s.t.Name, item.Get("id").String(), err)
		}
		vals[i] = d.Any()
	}
	return vals, present, nil
}

// col returns the index of the named column, or -1.
func (s *table) col(name string) int {
	for i, c := range s.cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// ftsColumns are the messages columns messages_fts indexes (SCHEMA.md);
// body is NULL, so not indexed, without --body.
var ftsColumns = []string{"subject", "body_preview", "from_name", "from_address", "to_recipients", "body"}

// stateSchema makes the state tables and the full-text index.
var stateSchema = []string{
	`CREATE TABLE IF NOT EXISTS _outlooksql_delta(
	user_id TEXT NOT NULL,      -- the mailbox owner's id; '' for the directory (users)
	resource TEXT NOT NULL,     -- 'mailFolders', 'messages' or 'users'
	folder_id TEXT NOT NULL,    -- the folder of a messages link; '' otherwise
	select_list TEXT NOT NULL,  -- the $select the link was made with; ';attachments' appended while attachments are synced
	delta_link TEXT NOT NULL,   -- Graph's @odata.deltaLink, followed verbatim next run
	synced_at TEXT NOT NULL,    -- when the round it ends was committed, UTC
	PRIMARY KEY(user_id, resource, folder_id))`,
	`CREATE TABLE IF NOT EXISTS _outlooksql_runs(
	run_id INTEGER PRIMARY KEY,
	started_at TEXT NOT NULL,
	finished_at TEXT,
	mailboxes TEXT NOT NULL,    -- the mailboxes synced, JSON array of user ids
	tables TEXT NOT NULL,       -- the tables synced, comma-separated
	body INTEGER NOT NULL,      -- 1 with --body
	folders INTEGER, added INTEGER, changed INTEGER, moved INTEGER, deleted INTEGER,
	users INTEGER, requests INTEGER,
	error TEXT)                 -- NULL when the run succeeded`,
}

// ftsSchema makes messages_fts: FTS4 with messages as its external
// content, kept in step by triggers in the same transactions as messages.
func ftsSchema() []string {
	cols := strings.Join(ftsColumns, ", ")
	news := "new." + strings.Join(ftsColumns, ", new.")
	return []string{
		fmt.Sprintf(`CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts4(content="messages", %s)`, cols),
		fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS messages_fts_bu BEFORE UPDATE OF %s ON messages BEGIN DELETE FROM messages_fts WHERE docid = old.rowid; END`, cols),
		`CREATE TRIGGER IF NOT EXISTS messages_fts_bd BEFORE DELETE ON messages BEGIN DELETE FROM messages_fts WHERE docid = old.rowid; END`,
		fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS messages_fts_au AFTER UPDATE OF %s ON messages BEGIN INSERT INTO messages_fts(docid, %s) VALUES(new.rowid, %s); END`, cols, cols, news),
		fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS messages_fts_ai AFTER INSERT ON messages BEGIN INSERT INTO messages_fts(docid, %s) VALUES(new.rowid, %s); END`, cols, news),
	}
}

// stateColumns are the columns of the state tables, as stateSchema makes
// them: a file with other tables of those names is refused.
var stateColumns = map[string][]string{
	"_outlooksql_delta": {"user_id", "resource", "folder_id", "select_list", "delta_link", "synced_at"},
	"_outlooksql_runs": {"run_id", "started_at", "finished_at", "mailboxes", "tables", "body", "folders", "added", "changed",
		"moved", "deleted", "users", "requests", "error"},
}

// checkObject refuses a file whose object named name is not of the kind
// sync makes: kind is "table", "fts4" (a virtual table USING fts4) or
// "view". A missing object is fine: sync makes it.
func checkObject(db *sql.DB, name, kind string) error {
	var typ, q string
	err := db.QueryRow("SELECT type, COALESCE(sql, '') FROM sqlite_master WHERE name = ? COLLATE NOCASE AND type IN ('table', 'view', 'index', 'trigger')", name).Scan(&typ, &q)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the tables of the file: %w", err)
	}
	virtual := strings.HasPrefix(strings.ToUpper(q), "CREATE VIRTUAL TABLE")
	ok := false
	switch kind {
	case "table":
		ok = typ == "table" && !virtual
	case "fts4":
		ok = typ == "table" && virtual && strings.Contains(strings.ToLower(q), "using fts4")
	case "view":
		ok = typ == "view"
	}
	if ok {
		return nil
	}
	what := typ
	if virtual {
		what = "virtual table"
	}
	return fmt.Errorf("the file already has a %s %s, which sync does not make (sync makes a %s of that name): sync into a new file (--db), or drop that %s first",
		what, name, map[string]string{"table": "table", "fts4": "full-text index", "view": "view"}[kind], what)
}

// checkColumns refuses a file whose table of that name is not the synced
// form (a CREATE TABLE … AS SELECT copy, another tool's table): sync would
// mix its rows with ours.
func checkColumns(db *sql.DB, name string, want []string) error {
	// Only a real table counts: where outlooksql's virtual-table modules
	// are linked in, they are eponymous on every connection, and
	// pragma_table_info would name the virtual table's columns.
	if err := checkObject(db, name, "table"); err != nil {
		return err
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n); err != nil {
		return fmt.Errorf("read the tables of the file: %w", err)
	}
	if n == 0 {
		return nil
	}
	rows, err := db.Query("SELECT name FROM pragma_table_info(?)", name)
	if err != nil {
		return fmt.Errorf("read the columns of %s: %w", name, err)
	}
	defer rows.Close()
	var have []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		have = append(have, n)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(have) == 0 || slices.Equal(have, want) {
		return nil
	}
	return fmt.Errorf("the file already has a table %s with other columns (%s) than sync makes: sync into a new file (--db), or drop that table first",
		name, strings.Join(have, ", "))
}

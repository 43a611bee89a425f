//go:build !outlooksql_ext

package vtab

import (
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// memSchema has the columns k(0) v(1) n(2).
const memSchema = `CREATE TABLE x(k TEXT, v TEXT, n INTEGER)`

// memMod is a writable in-memory module that logs every write callback.
type memMod struct {
	writable   bool // Writable() of the module
	updater    bool // tables implement Updater (and Transactor, Savepointer)
	directOnly bool

	mu      sync.Mutex
	rows    map[int64][]any
	next    int64
	saved   map[int64][]any         // at Begin
	levels  map[int]map[int64][]any // at Savepoint(n)
	log     []string
	errIn   string // method that fails: "Update", "Begin", "Sync", "Commit", ...
	panicIn string
}

func newMemMod() *memMod {
	return &memMod{writable: true, updater: true, next: 3, rows: map[int64][]any{
		1: {"a", "one", int64(1)},
		2: {"b", "two", int64(2)},
	}}
}

func (m *memMod) Schema() string { return memSchema }
func (m *memMod) Writable() bool { return m.writable }
func (m *memMod) Connect(*Conn) (Table, error) {
	if m.updater {
		return &memWTable{memTable{m}}, nil
	}
	return &memTable{m}, nil
}

// record logs a call and fails or panics when asked to.
func (m *memMod) record(method, entry string) error {
	m.log = append(m.log, entry)
	if m.panicIn == method {
		panic("boom in " + method)
	}
	if m.errIn == method {
		return fmt.Errorf("graph: %s failed: 3 of 5 items changed; AAMkAD= ErrorItemNotFound: \"The specified object was not found.\"", method)
	}
	return nil
}

func (m *memMod) takeLog() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.log
	m.log = nil
	return l
}

func (m *memMod) set(errIn, panicIn string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errIn, m.panicIn = errIn, panicIn
}

func copyRows(r map[int64][]any) map[int64][]any {
	c := make(map[int64][]any, len(r))
	for k, v := range r {
		c[k] = slices.Clone(v)
	}
	return c
}

// memTable is read-only: it implements only Table.
type memTable struct{ m *memMod }

func (t *memTable) BestIndex(ii *IndexInfo) error { return nil }
func (t *memTable) Disconnect() error             { return nil }
func (t *memTable) Open(any) (Cursor, error) {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	ids := slices.Sorted(maps.Keys(t.m.rows))
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = t.m.rows[id]
	}
	return &memCursor{m: t.m, ids: ids, rows: rows}, nil
}

// memWTable is writable.
type memWTable struct{ memTable }

func (t *memWTable) DirectOnly() bool { return t.m.directOnly }

func (t *memWTable) Update(op UpdateOp) (int64, error) {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	entry := fmt.Sprintf("%s old=%d new=%d/%v %v", op.Kind, op.OldRowid, op.NewRowid, op.HasNewRowid, op.Values)
	if err := m.record("Update", entry); err != nil {
		return 0, err
	}
	switch op.Kind {
	case WriteDelete:
		delete(m.rows, op.OldRowid)
		return 0, nil
	case WriteInsert:
		id := op.NewRowid
		if !op.HasNewRowid {
			id = m.next
			m.next++
		}
		m.rows[id] = op.Values
		return id, nil
	}
	row := slices.Clone(m.rows[op.OldRowid])
	for i, v := range op.Values {
		if v != Unchanged {
			row[i] = v
		}
	}
	delete(m.rows, op.OldRowid)
	m.rows[op.NewRowid] = row
	return 0, nil
}

func (t *memWTable) Begin() error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved, m.levels = copyRows(m.rows), map[int]map[int64][]any{}
	return m.record("Begin", "Begin")
}

func (t *memWTable) Sync() error {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return t.m.record("Sync", "Sync")
}

func (t *memWTable) Commit() error {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return t.m.record("Commit", "Commit")
}

func (t *memWTable) Rollback() error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows = m.saved
	return m.record("Rollback", "Rollback")
}

func (t *memWTable) Savepoint(n int) error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.levels[n] = copyRows(m.rows)
	return m.record("Savepoint", fmt.Sprintf("Savepoint %d", n))
}

func (t *memWTable) Release(n int) error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.record("Release", fmt.Sprintf("Release %d", n))
}

func (t *memWTable) RollbackTo(n int) error {
	m := t.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rows = copyRows(m.levels[n])
	return m.record("RollbackTo", fmt.Sprintf("RollbackTo %d", n))
}

type memCursor struct {
	m    *memMod
	ids  []int64
	rows [][]any
	pos  int
}

func (c *memCursor) Filter(int, string, []any) error { c.pos = 0; return nil }
func (c *memCursor) Next() error                     { c.pos++; return nil }
func (c *memCursor) EOF() bool                       { return c.pos >= len(c.rows) }
func (c *memCursor) Rowid() (int64, error)           { return c.ids[c.pos], nil }
func (c *memCursor) Close() error                    { return nil }

// Column leaves every column but k (the key a writer needs) unset when
// NoChange says the UPDATE does not change it, and logs that it did.
func (c *memCursor) Column(ctx *Context, col int) error {
	if ctx.NoChange() {
		c.m.mu.Lock()
		c.m.log = append(c.m.log, fmt.Sprintf("nochange %d", col))
		c.m.mu.Unlock()
		if col != 0 {
			return nil
		}
	}
	ctx.ResultValue(c.rows[c.pos][col])
	return nil
}

// newMem registers m and opens a one-connection database.
func newMem(t *testing.T, m *memMod) (*sql.DB, string) {
	t.Helper()
	name := fmt.Sprintf("w%d", modSeq.Add(1))
	if err := Register(name, m); err != nil {
		t.Fatal(err)
	}
	return openDB(t), name
}

func TestUpdateOps(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		log  []string
		rows []string
	}{
		{
			name: "insert, table chooses the rowid",
			sql:  "INSERT INTO %s(k, v, n) VALUES ('c', 'three', 3)",
			log:  []string{"Begin", "INSERT old=0 new=0/false [c three 3]", "Sync", "Commit"},
			rows: []string{"1|a|one|1", "2|b|two|2", "3|c|three|3"},
		},
		{
			name: "insert with a rowid and a NULL",
			sql:  "INSERT INTO %s(rowid, k, v) VALUES (10, 'c', x'00ff')",
			log:  []string{"Begin", "INSERT old=0 new=10/true [c [0 255] <nil>]", "Sync", "Commit"},
			rows: []string{"1|a|one|1", "2|b|two|2", "10|c|blob(\x00\xff)|NULL"},
		},
		{
			name: "update one column: the others are unchanged",
			sql:  "UPDATE %s SET v = 'ONE' WHERE n = 1",
			log: []string{"Begin", "nochange 0", "nochange 2",
				"UPDATE old=1 new=1/true [a ONE vtab.Unchanged]", "Sync", "Commit"},
			rows: []string{"1|a|ONE|1", "2|b|two|2"},
		},
		{
			name: "update from the column itself",
			sql:  "UPDATE %s SET n = n + 10",
			// SQLite reads every row before it changes any.
			log: []string{"Begin", "nochange 0", "nochange 1", "nochange 0", "nochange 1",
				"UPDATE old=1 new=1/true [a vtab.Unchanged 11]", "UPDATE old=2 new=2/true [b vtab.Unchanged 12]", "Sync", "Commit"},
			rows: []string{"1|a|one|11", "2|b|two|12"},
		},
		{
			name: "update the rowid",
			sql:  "UPDATE %s SET rowid = 7 WHERE k = 'b'",
			log:  []string{"Begin", "nochange 0", "nochange 1", "nochange 2", "UPDATE old=2 new=7/true [b vtab.Unchanged vtab.Unchanged]", "Sync", "Commit"},
			rows: []string{"1|a|one|1", "7|b|two|2"},
		},
		{
			name: "delete",
			sql:  "DELETE FROM %s WHERE v = 'two'",
			log:  []string{"Begin", "DELETE old=2 new=0/false []", "Sync", "Commit"},
			rows: []string{"1|a|one|1"},
		},
		{
			name: "delete nothing still runs the transaction",
			sql:  "DELETE FROM %s WHERE v = 'none'",
			log:  []string{"Begin", "Sync", "Commit"},
			rows: []string{"1|a|one|1", "2|b|two|2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemMod()
			db, name := newMem(t, m)
			if _, err := db.Exec(fmt.Sprintf(tt.sql, name)); err != nil {
				t.Fatalf("%s: %v", tt.sql, err)
			}
			equal(t, "calls", m.takeLog(), tt.log)
			equal(t, "rows", mustQuery(t, db, fmt.Sprintf("SELECT rowid, * FROM %s ORDER BY rowid", name)), tt.rows)
		})
	}
}

func TestLastInsertRowid(t *testing.T) {
	m := newMemMod()
	db, name := newMem(t, m)
	res, err := db.Exec(fmt.Sprintf("INSERT INTO %s(k) VALUES ('c')", name))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	n, _ := res.RowsAffected()
	equal(t, "last insert rowid, rows affected", []int64{id, n}, []int64{3, 1})
}

// execAll runs statements on one connection and returns their errors ("" for none).
func execAll(t *testing.T, db *sql.DB, name string, stmts []string) []string {
	t.Helper()
	var errs []string
	for _, s := range stmts {
		if strings.Contains(s, "%s") {
			s = fmt.Sprintf(s, name)
		}
		_, err := db.Exec(s)
		if err != nil {
			errs = append(errs, err.Error())
		} else {
			errs = append(errs, "")
		}
	}
	return errs
}

func TestTransactionCallbacks(t *testing.T) {
	tests := []struct {
		name  string
		stmts []string
		log   []string
		rows  []string
	}{
		{
			name:  "BEGIN … COMMIT: one Begin, Sync and Commit at COMMIT",
			stmts: []string{"BEGIN", "DELETE FROM %s WHERE k = 'a'", "INSERT INTO %s(k) VALUES ('c')", "COMMIT"},
			// A statement that may change several rows runs inside a
			// statement savepoint (level 0 here), released when it succeeds.
			log: []string{"Begin", "Savepoint 0", "DELETE old=1 new=0/false []", "Release 0",
				"INSERT old=0 new=0/false [c <nil> <nil>]", "Sync", "Commit"},
			rows: []string{"2|b|two|2", "3|c|NULL|NULL"},
		},
		{
			name:  "BEGIN … ROLLBACK: Rollback, no Sync or Commit",
			stmts: []string{"BEGIN", "DELETE FROM %s WHERE k = 'a'", "ROLLBACK"},
			log:   []string{"Begin", "Savepoint 0", "DELETE old=1 new=0/false []", "Release 0", "Rollback"},
			rows:  []string{"1|a|one|1", "2|b|two|2"},
		},
		{
			name: "savepoints",
			stmts: []string{"BEGIN", "INSERT INTO %s(k) VALUES ('c')", "SAVEPOINT s1", "DELETE FROM %s WHERE k = 'a'",
				"ROLLBACK TO s1", "SAVEPOINT s2", "DELETE FROM %s WHERE k = 'b'", "RELEASE s2", "RELEASE s1", "COMMIT"},
			// SAVEPOINT s1 is level 0, the DELETE's statement savepoint 1,
			// SAVEPOINT s2 level 1 and the next DELETE's 2.
			log: []string{"Begin", "INSERT old=0 new=0/false [c <nil> <nil>]",
				"Savepoint 0", "Savepoint 1", "DELETE old=1 new=0/false []", "Release 1", "RollbackTo 0",
				"Savepoint 1", "Savepoint 2", "DELETE old=2 new=0/false []", "Release 2", "Release 1", "Release 0",
				"Sync", "Commit"},
			rows: []string{"1|a|one|1", "3|c|NULL|NULL"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemMod()
			db, name := newMem(t, m)
			errs := execAll(t, db, name, tt.stmts)
			equal(t, "errors", errs, make([]string, len(tt.stmts)))
			equal(t, "calls", m.takeLog(), tt.log)
			equal(t, "rows", mustQuery(t, db, fmt.Sprintf("SELECT rowid, * FROM %s ORDER BY rowid", name)), tt.rows)
		})
	}
}

func TestWriteErrors(t *testing.T) {
	msg := func(method string) string {
		return fmt.Sprintf("graph: %s failed: 3 of 5 items changed; AAMkAD= ErrorItemNotFound: \"The specified object was not found.\"", method)
	}
	tests := []struct {
		name    string
		errIn   string
		panicIn string
		stmts   []string
		errs    []string
		log     []string
	}{
		{
			name:  "Sync error fails the statement and rolls back",
			errIn: "Sync",
			stmts: []string{"UPDATE %s SET v = 'x' WHERE k = 'a'"},
			errs:  []string{msg("Sync")},
			log:   []string{"Begin", "nochange 0", "nochange 2", "UPDATE old=1 new=1/true [a x vtab.Unchanged]", "Sync", "Rollback"},
		},
		{
			name:  "Sync error at COMMIT",
			errIn: "Sync",
			stmts: []string{"BEGIN", "DELETE FROM %s WHERE k = 'a'", "COMMIT"},
			errs:  []string{"", "", msg("Sync")},
			log:   []string{"Begin", "Savepoint 0", "DELETE old=1 new=0/false []", "Release 0", "Sync", "Rollback"},
		},
		{
			name:  "Update error",
			errIn: "Update",
			stmts: []string{"DELETE FROM %s"},
			errs:  []string{msg("Update")},
			log:   []string{"Begin", "DELETE old=1 new=0/false []", "Rollback"},
		},
		{
			name:  "Begin error",
			errIn: "Begin",
			stmts: []string{"DELETE FROM %s"},
			errs:  []string{msg("Begin")},
			log:   []string{"Begin"},
		},
		{
			name:  "Commit error is ignored by SQLite",
			errIn: "Commit",
			stmts: []string{"DELETE FROM %s WHERE k = 'a'"},
			errs:  []string{""},
			log:   []string{"Begin", "DELETE old=1 new=0/false []", "Sync", "Commit"},
		},
		{
			name:    "Update panics",
			panicIn: "Update",
			stmts:   []string{"DELETE FROM %s"},
			errs:    []string{"vtab: NAME: panic in Update: boom in Update"},
			log:     []string{"Begin", "DELETE old=1 new=0/false []", "Rollback"},
		},
		{
			name:    "Begin panics",
			panicIn: "Begin",
			stmts:   []string{"DELETE FROM %s"},
			errs:    []string{"vtab: NAME: panic in Begin: boom in Begin"},
			log:     []string{"Begin"},
		},
		{
			name:    "Sync panics",
			panicIn: "Sync",
			stmts:   []string{"DELETE FROM %s WHERE k = 'a'"},
			errs:    []string{"vtab: NAME: panic in Sync: boom in Sync"},
			log:     []string{"Begin", "DELETE old=1 new=0/false []", "Sync", "Rollback"},
		},
		{
			name:    "Commit panics",
			panicIn: "Commit",
			stmts:   []string{"DELETE FROM %s WHERE k = 'a'"},
			errs:    []string{""},
			log:     []string{"Begin", "DELETE old=1 new=0/false []", "Sync", "Commit"},
		},
		{
			name:    "Rollback panics",
			panicIn: "Rollback",
			stmts:   []string{"BEGIN", "DELETE FROM %s WHERE k = 'a'", "ROLLBACK"},
			errs:    []string{"", "", ""},
			log:     []string{"Begin", "Savepoint 0", "DELETE old=1 new=0/false []", "Release 0", "Rollback"},
		},
		{
			// SQLite keeps no message from xSavepoint: the statement
			// fails with its generic text and changes nothing.
			name:    "Savepoint panics",
			panicIn: "Savepoint",
			stmts:   []string{"BEGIN", "DELETE FROM %s WHERE k = 'a'", "SAVEPOINT s", "ROLLBACK"},
			errs:    []string{"", "SQL logic error", "SQL logic error", ""},
			log:     []string{"Begin", "Savepoint 0", "RollbackTo 0", "Release 0", "Savepoint 0", "Rollback"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMemMod()
			db, name := newMem(t, m)
			m.set(tt.errIn, tt.panicIn)
			errs := execAll(t, db, name, tt.stmts)
			for i := range errs {
				errs[i] = strings.ReplaceAll(errs[i], name, "NAME")
			}
			equal(t, "errors", errs, tt.errs)
			equal(t, "calls", m.takeLog(), tt.log)
			// The connection stays usable and the module's data is whole
			// unless the statement committed.
			m.set("", "")
			rows := mustQuery(t, db, fmt.Sprintf("SELECT rowid, * FROM %s ORDER BY rowid", name))
			want := []string{"1|a|one|1", "2|b|two|2"}
			if tt.errs[len(tt.errs)-1] == "" && tt.stmts[len(tt.stmts)-1] != "ROLLBACK" {
				want = want[1:]
			}
			equal(t, "rows after", rows, want)
			if _, err := db.Exec(fmt.Sprintf("INSERT INTO %s(k) VALUES ('z')", name)); err != nil {
				t.Fatalf("connection unusable after the failure: %v", err)
			}
		})
	}
}

func TestReadOnlyTables(t *testing.T) {
	tests := []struct {
		name string
		mod  *memMod
	}{
		{"module not writable", &memMod{}},
		{"writable module, table without Updater", &memMod{writable: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.mod.rows = map[int64][]any{1: {"a", "one", int64(1)}}
			db, name := newMem(t, tt.mod)
			for _, s := range []string{
				"INSERT INTO %s(k) VALUES ('c')",
				"UPDATE %s SET v = 'x'",
				"DELETE FROM %s",
			} {
				_, err := db.Exec(fmt.Sprintf(s, name))
				want := fmt.Sprintf("table %s may not be modified", name)
				if err == nil || err.Error() != want {
					t.Errorf("%s: got %v, want %q", s, err, want)
				}
			}
			equal(t, "rows", mustQuery(t, db, fmt.Sprintf("SELECT * FROM %s", name)), []string{"a|one|1"})
		})
	}
}

// TestDirectOnly checks that a trigger or view stored in a database file
// cannot use a DIRECTONLY table, while the user's own statements can, and
// that a table that is not DIRECTONLY keeps SQLite's default.
func TestDirectOnly(t *testing.T) {
	for _, directOnly := range []bool{true, false} {
		t.Run(fmt.Sprint("directOnly=", directOnly), func(t *testing.T) {
			m := newMemMod()
			m.directOnly = directOnly
			name := fmt.Sprintf("w%d", modSeq.Add(1))
			if err := Register(name, m); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "hostile.db")
			setup, err := sql.Open("sqlite3", file)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{
				"CREATE TABLE log(x)",
				fmt.Sprintf("CREATE TRIGGER wipe AFTER INSERT ON log BEGIN DELETE FROM %s; END", name),
				fmt.Sprintf("CREATE VIEW peek AS SELECT k FROM %s", name),
			} {
				if _, err := setup.Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			setup.Close()

			db, err := sql.Open("sqlite3", file)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			unsafe := fmt.Sprintf("unsafe use of virtual table \"%s\"", name)
			_, trigErr := db.Exec("INSERT INTO log VALUES (1)")
			_, viewErr := query(db, "SELECT * FROM peek")
			got := []string{fmt.Sprint(trigErr), fmt.Sprint(viewErr)}
			want := []string{unsafe, unsafe}
			if !directOnly {
				want = []string{"<nil>", "<nil>"}
			}
			equal(t, "trigger, view", got, want)
			wantRows := []string{"1|a|one|1", "2|b|two|2"}
			if !directOnly {
				wantRows = nil // the trigger deleted them
			}
			equal(t, "rows", mustQuery(t, db, fmt.Sprintf("SELECT rowid, * FROM %s ORDER BY rowid", name)), wantRows)
			// The user's own statement may write.
			if _, err := db.Exec(fmt.Sprintf("DELETE FROM %s WHERE k = 'a'", name)); err != nil {
				t.Fatalf("direct DELETE: %v", err)
			}
		})
	}
}

package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// liveSchema is the schema name under which the mail tables are always
// reachable, also where the database file has tables of the same names.
const liveSchema = "live"

// dotState is what the sqlite3-style dot-commands set.
type dotState struct {
	noHeader bool    // .headers off
	null     *string // .nullvalue
	table    string  // .mode insert TABLE
	bail     bool    // .bail on, -bail: stop at the first error
	stdout   io.Writer
	output   *os.File // .output FILE, until .output alone
	once     *os.File // .once FILE: the next statement's output
	reads    int      // how deep .read is nested
}

// maxReadNesting is how deep .read may nest, as in sqlite3.
const maxReadNesting = 25

// formatOptions are the options of the dot-commands for writeRows.
func (d *dotState) formatOptions() formatOptions {
	return formatOptions{NoHeader: d.noHeader, Null: d.null, Table: d.table}
}

// attachLive attaches an empty in-memory schema named live: SQLite finds
// a mail table (an eponymous virtual table) under any schema that has no
// table of its name, so live.messages is the live mail table even where
// the file has its own messages table.
func attachLive(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "ATTACH ':memory:' AS "+liveSchema); err != nil {
		return fmt.Errorf("attach the live schema: %w", err)
	}
	return nil
}

// shadowed lists the mail tables that the database's own tables or views
// hide: their bare names mean the file's objects.
func shadowed(ctx context.Context, conn *sql.Conn) ([]string, error) {
	var names []string
	for _, t := range tables.All {
		var n int
		err := conn.QueryRowContext(ctx, "SELECT count(*) FROM main.sqlite_master WHERE type IN ('table','view') AND name = ? COLLATE NOCASE", t.Name).Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("read the database's tables: %w", err)
		}
		if n > 0 {
			names = append(names, t.Name)
		}
	}
	return names, nil
}

// shadowNotice is what the shell says on opening a file whose own tables
// have mail tables' names.
func shadowNotice(file string, names []string) string {
	live := make([]string, len(names))
	for i, n := range names {
		live[i] = liveSchema + "." + n
	}
	return fmt.Sprintf("%s has its own %s: those names mean the file's tables; the live mail tables are %s (and %s.<table> for every mail table).\n",
		file, strings.Join(names, ", "), strings.Join(live, ", "), liveSchema)
}

// checkDBFile refuses SQL given where the shell takes a database file: a
// name with white space or ";" that is no existing file.
func checkDBFile(name string) error {
	if !strings.ContainsAny(name, " \t\n;") {
		return nil
	}
	if _, err := os.Stat(name); err == nil {
		return nil
	}
	return fmt.Errorf("shell takes a database file, not SQL (got %q): pipe statements to it, or use outlooksql query: %w", name, errUsage)
}

// dotArgs splits a dot-command line into words as sqlite3 does: white
// space separates them, '…' and "…" quote them.
func dotArgs(line string) []string {
	var out []string
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '\'' || c == '"':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				out = append(out, line[i+1:])
				return out
			}
			out = append(out, line[i+1:i+1+j])
			i += j + 2
		default:
			j := strings.IndexAny(line[i:], " \t")
			if j < 0 {
				out = append(out, line[i:])
				return out
			}
			out = append(out, line[i:i+j])
			i += j
		}
	}
	return out
}

// dotCommand runs the dot-commands that follow sqlite3's. ok is false for
// a name it does not know.
func (sh *shell) dotCommand(ctx context.Context, line string) (ok bool, err error) {
	f := dotArgs(line)
	name, args := f[0], f[1:]
	switch name {
	case ".tables", ".schema", ".dump", ".databases":
		// Their output goes where a statement's would, .once's file too.
		out, done := sh.writer()
		saved := sh.out
		sh.out = out
		defer func() { sh.out = saved; done() }()
	}
	switch name {
	case ".mode":
		return true, sh.setMode(args)
	case ".headers", ".header":
		on := !sh.dot.noHeader
		err := onOff(name, args, &on)
		sh.dot.noHeader = !on
		return true, err
	case ".nullvalue":
		if len(args) != 1 {
			return true, errors.New(`write .nullvalue STRING, e.g. .nullvalue NULL (.nullvalue "" for the empty string)`)
		}
		s := args[0]
		sh.dot.null = &s
	case ".bail":
		return true, onOff(name, args, &sh.dot.bail)
	case ".once":
		if len(args) != 1 {
			return true, errors.New("write .once FILE: the next statement's output goes to FILE")
		}
		f, err := os.Create(args[0])
		if err != nil {
			return true, fmt.Errorf(".once: %w", err)
		}
		sh.closeOnce()
		sh.dot.once = f
	case ".output":
		if len(args) > 1 {
			return true, errors.New("write .output FILE, or .output alone to write to the terminal (stdout) again")
		}
		sh.closeOutput()
		if len(args) == 0 || args[0] == "stdout" {
			return true, nil
		}
		f, err := os.Create(args[0])
		if err != nil {
			return true, fmt.Errorf(".output: %w", err)
		}
		sh.dot.output = f
		sh.out = f
	case ".read":
		if len(args) != 1 {
			return true, errors.New("write .read FILE")
		}
		return true, sh.read(ctx, args[0])
	case ".tables":
		return true, sh.tables(ctx, args)
	case ".schema":
		return true, sh.schema(ctx, args)
	case ".databases":
		return true, sh.databases(ctx)
	case ".dump":
		return true, dump(ctx, sh.conn, sh.out, args)
	case ".import":
		return true, sh.importCSV(ctx, args)
	default:
		return false, nil
	}
	return true, nil
}

// bails reports whether an error stops the input: -bail or .bail on, in a
// script (at the terminal, as in sqlite3, the shell goes on).
func (sh *shell) bails() bool { return sh.dot.bail && !sh.interactive }

// setMode is .mode [MODE [TABLE]].
func (sh *shell) setMode(args []string) error {
	all := append(slices.Clone(formats), sqliteModes...)
	if len(args) == 0 {
		fmt.Fprintf(sh.out, "current output format: %s\n", sh.format)
		return nil
	}
	if len(args) > 2 || len(args) == 2 && args[0] != "insert" {
		return fmt.Errorf(".mode takes one format, one of %s (.mode insert TABLE names the table)", strings.Join(all, ", "))
	}
	if err := checkFormat(args[0]); err != nil {
		return err
	}
	sh.format = args[0]
	if args[0] == "insert" {
		sh.dot.table = ""
		if len(args) == 2 {
			sh.dot.table = args[1]
		}
	}
	return nil
}

// writer is where the next statement's output goes: .once's file, else
// .output's, else stdout. done is called after the statement.
func (sh *shell) writer() (w io.Writer, done func()) {
	if sh.dot.once != nil {
		return sh.dot.once, sh.closeOnce
	}
	return sh.out, func() {}
}

func (sh *shell) closeOnce() {
	if sh.dot.once != nil {
		if err := sh.dot.once.Close(); err != nil {
			fmt.Fprintln(sh.errw, "error: .once:", err)
		}
		sh.dot.once = nil
	}
}

func (sh *shell) closeOutput() {
	if sh.dot.output != nil {
		if err := sh.dot.output.Close(); err != nil {
			fmt.Fprintln(sh.errw, "error: .output:", err)
		}
		sh.dot.output = nil
	}
	if sh.dot.stdout != nil {
		sh.out = sh.dot.stdout
	}
}

// read is .read FILE: its statements and commands run as if typed, and an
// error names its line in FILE.
func (sh *shell) read(ctx context.Context, path string) error {
	if sh.dot.reads >= maxReadNesting {
		return fmt.Errorf(".read %s: input nesting limit (%d) reached: a script that reads itself? Check recursion", path, maxReadNesting)
	}
	sh.dot.reads++
	defer func() { sh.dot.reads-- }()
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf(".read: %w", err)
	}
	defer f.Close()
	interactive := sh.interactive
	sh.interactive = false // errors name their line in the file
	defer func() { sh.interactive = interactive }()
	if err := sh.loop(ctx, &plainReader{r: bufio.NewReader(f), errw: sh.errw}); err != nil {
		return fmt.Errorf(".read %s: %w", path, err)
	}
	return nil
}

// likeMatch reports whether s matches the LIKE pattern (% and _, ASCII
// case folded), as .tables and .schema filter names.
func likeMatch(pattern, s string) bool {
	p, t := strings.ToLower(pattern), strings.ToLower(s)
	var m func(i, j int) bool
	m = func(i, j int) bool {
		for i < len(p) {
			switch p[i] {
			case '%':
				for k := j; k <= len(t); k++ {
					if m(i+1, k) {
						return true
					}
				}
				return false
			case '_':
				if j >= len(t) {
					return false
				}
			default:
				if j >= len(t) || t[j] != p[i] {
					return false
				}
			}
			i++
			j++
		}
		return j == len(t)
	}
	return m(0, 0)
}

// ownObjects lists the database's own tables and views (of main, temp
// and attached schemas but live), as sqlite3's .tables names them:
// "schema.name" outside main.
func ownObjects(ctx context.Context, conn *sql.Conn, pattern string) ([]string, error) {
	schemas, err := queryStrings(ctx, conn, "SELECT name FROM pragma_database_list ORDER BY seq")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range schemas {
		if s == liveSchema {
			continue
		}
		master := quoteIdent(s) + ".sqlite_master"
		if s == "temp" {
			master = "sqlite_temp_master"
		}
		got, err := queryStrings(ctx, conn, "SELECT name FROM "+master+" WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY 1")
		if err != nil {
			return nil, err
		}
		for _, n := range got {
			if pattern != "" && !likeMatch(pattern, n) {
				continue
			}
			if s != "main" {
				n = s + "." + n
			}
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names, nil
}

func queryStrings(ctx context.Context, conn *sql.Conn, query string, args ...any) ([]string, error) {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("read the schema: %w", err)
		}
		out = append(out, s.String)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	return out, nil
}

// columns writes names in sqlite3's .tables layout: columns 2 spaces apart,
// filled top to bottom, as many as fit in 80 characters.
func columns(w io.Writer, names []string) {
	maxLen := 0
	for _, n := range names {
		maxLen = max(maxLen, width.StringWidth(n))
	}
	nCol := max(1, 80/(maxLen+2))
	nRow := (len(names) + nCol - 1) / nCol
	for i := 0; i < nRow; i++ {
		var b strings.Builder
		for j := i; j < len(names); j += nRow {
			if j >= nRow {
				b.WriteString("  ")
			}
			b.WriteString(pad(names[j], maxLen, false))
		}
		fmt.Fprintln(w, b.String())
	}
}

// tables is .tables [PATTERN]: the database's own tables and views, in
// sqlite3's layout, then the mail tables with what each holds (live.NAME
// where the file's own table hides the bare name).
func (sh *shell) tables(ctx context.Context, args []string) error {
	if len(args) > 1 {
		return errors.New("write .tables or .tables PATTERN (a LIKE pattern: .tables mail%)")
	}
	pattern := ""
	if len(args) == 1 {
		pattern = args[0]
	}
	own, err := ownObjects(ctx, sh.conn, pattern)
	if err != nil {
		return err
	}
	hidden, err := shadowed(ctx, sh.conn)
	if err != nil {
		return err
	}
	columns(sh.out, own)
	var mail []*tables.Table
	for _, t := range tables.All {
		if pattern == "" || likeMatch(pattern, t.Name) {
			mail = append(mail, t)
		}
	}
	if len(mail) == 0 {
		return nil
	}
	if len(own) > 0 {
		fmt.Fprintln(sh.out)
	}
	name := func(t *tables.Table) string {
		if slices.Contains(hidden, t.Name) {
			return liveSchema + "." + t.Name
		}
		return t.Name
	}
	w := 0
	for _, t := range mail {
		w = max(w, len(name(t)))
	}
	for _, t := range mail {
		fmt.Fprintf(sh.out, "%-*s  %s\n", w, name(t), t.Doc)
	}
	return nil
}

// schema is .schema [PATTERN]: the CREATE statements of the database's own
// objects (as sqlite3 prints them), then the mail tables' columns.
func (sh *shell) schema(ctx context.Context, args []string) error {
	if len(args) > 1 {
		return errors.New("write .schema or .schema PATTERN (a table name or LIKE pattern)")
	}
	pattern := ""
	if len(args) == 1 {
		pattern = args[0]
	}
	var stmts []string
	for _, master := range []string{"main.sqlite_master", "sqlite_temp_master"} {
		got, err := queryStrings(ctx, sh.conn, "SELECT sql FROM "+master+" WHERE sql IS NOT NULL AND (?1 = '' OR name LIKE ?1 OR tbl_name LIKE ?1) ORDER BY rowid", pattern)
		if err != nil {
			return err
		}
		stmts = append(stmts, got...)
	}
	for _, s := range stmts {
		fmt.Fprintf(sh.out, "%s;\n", createIfNotExists(s))
	}
	var mail []string
	for _, t := range tables.All {
		if pattern == "" || likeMatch(pattern, t.Name) {
			mail = append(mail, t.Name)
		}
	}
	if len(mail) == 0 {
		if len(stmts) == 0 {
			return fmt.Errorf("no table %q: the mail tables are %s; .tables lists the database's own", pattern, tableNames())
		}
		return nil
	}
	if len(stmts) > 0 {
		fmt.Fprintln(sh.out)
	}
	return runSchema(mail, sh.out)
}

// databases is .databases: each schema's name and file, as sqlite3 writes them.
func (sh *shell) databases(ctx context.Context) error {
	rows, err := sh.conn.QueryContext(ctx, "SELECT name, file FROM pragma_database_list ORDER BY seq")
	if err != nil {
		return fmt.Errorf("list the databases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, file string
		if err := rows.Scan(&name, &file); err != nil {
			return fmt.Errorf("list the databases: %w", err)
		}
		if file == "" {
			file = `""`
		}
		fmt.Fprintf(sh.out, "%s: %s r/w\n", name, file)
	}
	return rows.Err()
}

// dump is .dump [PATTERN]: the database's own tables (with their rows),
// indexes, triggers and views as SQL, as sqlite3's .dump writes them.
// The mail tables are not dumped: they are not in the file.
func dump(ctx context.Context, conn *sql.Conn, w io.Writer, args []string) error {
	if len(args) > 1 {
		return errors.New("write .dump or .dump TABLE (a table name or LIKE pattern)")
	}
	pattern := ""
	if len(args) == 1 {
		pattern = args[0]
	}
	type object struct{ typ, name, sql string }
	rows, err := conn.QueryContext(ctx, "SELECT type, name, sql FROM main.sqlite_master WHERE sql IS NOT NULL AND (?1 = '' OR name LIKE ?1) ORDER BY type != 'table', name = 'sqlite_sequence', rowid", pattern)
	if err != nil {
		return fmt.Errorf(".dump: %w", err)
	}
	var objs []object
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.typ, &o.name, &o.sql); err != nil {
			rows.Close()
			return fmt.Errorf(".dump: %w", err)
		}
		objs = append(objs, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf(".dump: %w", err)
	}
	var b strings.Builder
	b.WriteString("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n")
	writable := false
	for _, o := range objs {
		switch {
		case o.typ != "table":
			fmt.Fprintf(&b, "%s;\n", o.sql)
			continue
		case o.name == "sqlite_sequence":
			b.WriteString("DELETE FROM sqlite_sequence;\n")
		case len(o.name) == len("sqlite_stat1") && strings.HasPrefix(o.name, "sqlite_stat"):
			b.WriteString("ANALYZE sqlite_schema;\n")
		case strings.HasPrefix(o.name, "sqlite_"):
			continue
		case strings.HasPrefix(strings.ToUpper(o.sql), "CREATE VIRTUAL TABLE"):
			if !writable {
				b.WriteString("PRAGMA writable_schema=ON;\n")
				writable = true
			}
			q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
			fmt.Fprintf(&b, "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table',%s,%s,0,%s);\n", q(o.name), q(o.name), q(o.sql))
			continue
		default:
			fmt.Fprintf(&b, "%s;\n", createIfNotExists(o.sql))
		}
		if err := dumpRows(ctx, conn, &b, o.name); err != nil {
			return err
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf(".dump: %w", err)
		}
		b.Reset()
	}
	if writable {
		b.WriteString("PRAGMA writable_schema=OFF;\n")
	}
	b.WriteString("COMMIT;\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf(".dump: %w", err)
	}
	return nil
}

// createIfNotExists is sqlite3's form of a CREATE TABLE statement whose
// name is quoted, in .schema and .dump: CREATE TABLE IF NOT EXISTS "t"(…).
func createIfNotExists(stmt string) string {
	const head = "CREATE TABLE "
	if len(stmt) > len(head) && stmt[:len(head)] == head && (stmt[len(head)] == '"' || stmt[len(head)] == '\'') {
		return "CREATE TABLE IF NOT EXISTS " + stmt[len(head):]
	}
	return stmt
}

// dumpRows writes an INSERT for each row of table, its values as sqlite3's
// .dump writes them: numbers as SQLite's quote() does (exact, whatever the
// column's declared type), blobs as X'…' in lower case, text with line
// breaks through replace(…, char(10)).
func dumpRows(ctx context.Context, conn *sql.Conn, b *strings.Builder, table string) error {
	cols, err := queryStrings(ctx, conn, "SELECT name FROM pragma_table_info(?, 'main')", table)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return nil
	}
	exprs := make([]string, 0, 2*len(cols))
	for _, c := range cols {
		q := `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		exprs = append(exprs, "typeof("+q+")", "CASE typeof("+q+") WHEN 'text' THEN "+q+" ELSE quote("+q+") END")
	}
	rows, err := conn.QueryContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM main."+`"`+strings.ReplaceAll(table, `"`, `""`)+`"`)
	if err != nil {
		return fmt.Errorf(".dump %s: %w", table, err)
	}
	defer rows.Close()
	raw := make([]sql.RawBytes, 2*len(cols))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	vals := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf(".dump %s: %w", table, err)
		}
		for i := range cols {
			v := string(raw[2*i+1])
			switch string(raw[2*i]) {
			case "text":
				v = dumpText(v)
			case "blob":
				v = strings.ToLower(v) // X'00FF' → x'00ff'
				v = "X" + v[1:]
			}
			vals[i] = v
		}
		fmt.Fprintf(b, "INSERT INTO %s VALUES(%s);\n", quoteIdent(table), strings.Join(vals, ","))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf(".dump %s: %w", table, err)
	}
	return nil
}

// dumpText quotes s as sqlite3's .dump does: '…' with ' doubled, and line
// breaks written as \n and \r (or another marker s does not hold) put back
// by replace(…, char(10)) and char(13), so that each INSERT stays on one
// line.
func dumpText(s string) string {
	body := strings.ReplaceAll(s, "'", "''")
	nl, cr := strings.Contains(s, "\n"), strings.Contains(s, "\r")
	if !nl && !cr {
		return "'" + body + "'"
	}
	var zNL, zCR, head, tail string
	if nl {
		zNL = unusedMarker(s, `\n`, `\012`)
		body = strings.ReplaceAll(body, "\n", zNL)
		head += "replace("
	}
	if cr {
		zCR = unusedMarker(s, `\r`, `\015`)
		body = strings.ReplaceAll(body, "\r", zCR)
		head += "replace("
		tail += ",'" + zCR + "',char(13))"
	}
	if nl {
		tail += ",'" + zNL + "',char(10))"
	}
	return head + "'" + body + "'" + tail
}

// unusedMarker returns a, else b, else "(a0)", "(a1)", …: the first that s
// does not contain.
func unusedMarker(s, a, b string) string {
	if !strings.Contains(s, a) {
		return a
	}
	if !strings.Contains(s, b) {
		return b
	}
	for i := 0; ; i++ {
		m := fmt.Sprintf("(%s%d)", a, i)
		if !strings.Contains(s, m) {
			return m
		}
	}
}

// importCSV is .import [--csv] [--skip N] FILE TABLE: CSV rows into TABLE.
// A table that does not exist is created from the first row, which names
// its columns (all TEXT); into an existing table every row is data.
func (sh *shell) importCSV(ctx context.Context, args []string) error {
	const usage = "write .import --csv FILE TABLE (or .mode csv, then .import FILE TABLE); --skip N skips N lines first"
	isCSV := sh.format == "csv"
	skip := 0
	var pos []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "--csv", "-csv":
			isCSV = true
		case "--skip", "-skip":
			if i+1 >= len(args) {
				return errors.New(usage)
			}
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n < 0 {
				return fmt.Errorf("--skip %q: a number of lines: %s", args[i+1], usage)
			}
			skip = n
			i++
		default:
			if strings.HasPrefix(a, "-") {
				return fmt.Errorf(".import: unknown option %s: %s", a, usage)
			}
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 || !isCSV {
		return errors.New(usage)
	}
	file, table := pos[0], pos[1]
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf(".import: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3) // a UTF-8 byte order mark, as sqlite3 skips it
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	line := 0
	next := func() ([]string, error) {
		rec, err := r.Read()
		if err == nil {
			line, _ = r.FieldPos(0)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf(".import %s: %w", file, err)
		}
		return rec, err
	}
	for range skip {
		if _, err := next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
	var exists int
	var virtual bool
	if err := sh.conn.QueryRowContext(ctx, "SELECT count(*), coalesce(max(sql LIKE 'CREATE VIRTUAL%'), 0) FROM main.sqlite_master WHERE type IN ('table','view') AND name = ? COLLATE NOCASE", table).Scan(&exists, &virtual); err != nil {
		return fmt.Errorf(".import: %w", err)
	}
	if virtual || (exists == 0 && tables.ByName(table) != nil) {
		// Rows inserted into a mail table are mail sent or drafts made.
		return fmt.Errorf(".import: %s is a mail table: importing would create mail items; import into a table of your own (.import --csv %s my_%s), then INSERT … SELECT from it if you mean to", table, file, table)
	}
	tx, err := sh.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf(".import: %w", err)
	}
	defer tx.Rollback()
	target := "main." + `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
	var ncol int
	if exists == 0 {
		head, err := next()
		if err == io.EOF {
			return fmt.Errorf(".import %s: the file is empty: the first row names the new table's columns", file)
		}
		if err != nil {
			return err
		}
		defs := make([]string, len(head))
		for i, h := range head {
			defs[i] = `"` + strings.ReplaceAll(h, `"`, `""`) + `" TEXT`
		}
		// As sqlite3 writes it, names quoted and one line break.
		if _, err := tx.ExecContext(ctx, "CREATE TABLE "+target+"(\n"+strings.Join(defs, ", ")+")"); err != nil {
			return fmt.Errorf(".import: create table %s: %w", table, err)
		}
		ncol = len(head)
	} else {
		var err error
		ncol, err = countColumns(ctx, tx, table)
		if err != nil {
			return err
		}
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", ncol), ",")
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+target+" VALUES("+marks+")")
	if err != nil {
		return fmt.Errorf(".import: %w", err)
	}
	defer stmt.Close()
	for {
		rec, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		vals := make([]any, ncol)
		for i := range vals {
			if i < len(rec) {
				vals[i] = rec[i]
			}
		}
		switch {
		case len(rec) < ncol:
			fmt.Fprintf(sh.errw, "%s:%d: expected %d columns but found %d - filling the rest with NULL\n", file, line, ncol, len(rec))
		case len(rec) > ncol:
			fmt.Fprintf(sh.errw, "%s:%d: expected %d columns but found %d - extras ignored\n", file, line, ncol, len(rec))
		}
		if _, err := stmt.ExecContext(ctx, vals...); err != nil {
			return fmt.Errorf(".import %s line %d: %w", file, line, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf(".import: %w", err)
	}
	return nil
}

func countColumns(ctx context.Context, tx *sql.Tx, table string) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_info(?, 'main')", table).Scan(&n); err != nil {
		return 0, fmt.Errorf(".import: %w", err)
	}
	return n, nil
}

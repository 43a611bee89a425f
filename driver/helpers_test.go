package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// Tenants are generated once per test binary: generation is deterministic,
// and tests that change data use their own.
var (
	smallOnce   sync.Once
	smallTenant *fakegraph.Tenant
)

// small is a tenant of 3 users with 1,200 messages each: enough for two
// pages of 1,000, quick to scan.
func small() *fakegraph.Tenant {
	smallOnce.Do(func() {
		smallTenant = fakegraph.Generate(fakegraph.GenConfig{Seed: 7, Users: 3, MessagesPerUser: 1200})
	})
	return smallTenant
}

// env is a fake tenant, a database/sql handle on it, and one connection.
type env struct {
	*demo.Env
	db   *sql.DB
	conn *sql.Conn
}

// newEnv serves t and opens the driver on it; extra are connection-string
// pairs appended to the default ones.
func newEnv(t testing.TB, tenant *fakegraph.Tenant, extra []string, opts ...fakegraph.Option) *env {
	t.Helper()
	de, err := demo.Start(tenant, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(de.Close)
	e := &env{Env: de}
	e.db, err = sql.Open(driver.Name, de.ConnString(extra...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.db.Close() })
	e.conn, err = e.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.conn.Close() })
	return e
}

// query runs q on the env's connection and returns every row, each value in
// canonical text (see canon).
func (e *env) query(t testing.TB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := e.conn.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out, err := readRows(rows)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// queryErr runs q and returns its error (from the query or from the rows).
func (e *env) queryErr(q string, args ...any) error {
	rows, err := e.conn.QueryContext(context.Background(), q, args...)
	if err != nil {
		return err
	}
	_, err = readRows(rows)
	return err
}

func readRows(rows *sql.Rows) ([][]string, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = canon(v)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// canon writes a SQL value so that equal values of equal types have equal
// text: NULL, quoted strings, numbers, x'…' blobs.
func canon(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(v)
	case []byte:
		return fmt.Sprintf("x'%x'", v)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// sorted returns rows sorted, for comparing results without ORDER BY.
func sorted(rows [][]string) [][]string {
	out := slices.Clone(rows)
	sort.Slice(out, func(i, j int) bool { return slices.Compare(out[i], out[j]) < 0 })
	return out
}

// requests returns the Graph requests the fake served since the last reset,
// each as "GET /v1.0/me/messages?$select=id&$top=10" with the query options
// decoded and sorted by name.
func (e *env) requests() []string {
	var out []string
	for _, r := range e.Server.Requests() {
		out = append(out, describe(r.Method, r.Path, r.Query))
	}
	return out
}

func describe(method, path string, q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, k+"="+v)
		}
	}
	s := method + " " + path
	if len(parts) > 0 {
		s += "?" + strings.Join(parts, "&")
	}
	return s
}

// oracle returns the rows of table in the fake's model for one mailbox
// (all users for the users table), projected on cols.
func oracle(t testing.TB, tenant *fakegraph.Tenant, table, mailbox string, cols []string) [][]string {
	t.Helper()
	names, rows := tenant.Rows(table)
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = slices.Index(names, c)
		if idx[i] < 0 {
			t.Fatalf("oracle %s has no column %s", table, c)
		}
	}
	owner := slices.Index(names, "user_id")
	var out [][]string
	for _, r := range rows {
		if owner >= 0 && mailbox != "" && !strings.EqualFold(r[owner].(string), mailbox) {
			continue
		}
		row := make([]string, len(cols))
		for i, j := range idx {
			row[i] = canon(r[j])
		}
		out = append(out, row)
	}
	return out
}

// visibleColumns returns the oracle's columns of table less user_id.
func visibleColumns(tenant *fakegraph.Tenant, table string) []string {
	names, _ := tenant.Rows(table)
	return slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s == "user_id" })
}

func diffRows(t testing.TB, what string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	n := 0
	for i := 0; i < len(got) && i < len(want); i++ {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("%s: row %d:\n got %v\nwant %v", what, i, got[i], want[i])
			if n++; n > 3 {
				return
			}
		}
	}
}

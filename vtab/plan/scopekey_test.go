package plan

import (
	"testing"

	"github.com/outlooksql/outlooksql/vtab/sqlite"
)

// TestScopeKeyOrNeverSplits checks the costs that keep SQLite from running
// "scope = (SELECT …) AND (a OR b)" as one scan per OR branch. SQLite plans
// the branches with the scope key (3.54) or without it (3.40), and codes
// them without the terms that hold a subquery: a branch would read the
// default scope. So, whatever the branches' filters save, one scan by the
// key must cost less than the branches together, as SQLite sees them in
// either version.
func TestScopeKeyOrNeverSplits(t *testing.T) {
	cost := func(q sqlQuery) float64 {
		t.Helper()
		info := q.info()
		if err := BestIndex(q.t, info, Options{Pushdown: true}); err != nil {
			t.Fatal(err)
		}
		return info.EstimatedCost
	}
	subquery := func(col string) con { return c(col, eq, nil) } // value unknown when planning
	for _, tt := range []struct {
		name    string
		key     con
		scopeOf string // the scope column
		used    []string
	}{
		{name: "user_id = (SELECT …)", key: subquery("user_id"), scopeOf: "user_id"},
		{name: "user_id = (SELECT …), ORDER BY's columns", key: subquery("user_id"), scopeOf: "user_id",
			used: []string{"received_date_time"}},
		{name: "user_id IN (SELECT …)", key: c("user_id", eq, in("a", "b")).IN(), scopeOf: "user_id"},
		{name: "folder_id = (SELECT …)", key: subquery("folder_id"), scopeOf: "folder_id"},
		{name: "search = (SELECT …)", key: subquery("search"), scopeOf: "search"},
		{name: "user_id = ? (a parameter)", key: subquery("user_id"), scopeOf: "user_id", used: []string{"body"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			used := append([]string{tt.scopeOf, "is_read", "importance"}, tt.used...)
			one := cost(sqlQuery{t: messages, cons: []con{tt.key}, cols: used})
			for _, branches := range []struct {
				name string
				cons [][]con
			}{
				{"branches with the key (3.54)", [][]con{
					{c("is_read", eq, int64(0)).RHS(), tt.key},
					{c("importance", eq, "high").RHS(), tt.key}}},
				{"branches without it (3.40)", [][]con{
					{c("is_read", eq, int64(0)).RHS()},
					{c("importance", eq, "high").RHS()}}},
				{"one branch an id", [][]con{
					{c("id", eq, "x").RHS()},
					{c("importance", eq, "high").RHS(), tt.key}}},
				{"two ids (id = 'x' OR id IS 'y'), with the key", [][]con{
					{c("id", eq, "x").RHS(), tt.key},
					{c("id", sqlite.OpIS, "y").RHS(), tt.key}}},
			} {
				sum := 0.0
				for _, b := range branches.cons {
					sum += cost(sqlQuery{t: messages, cons: b, cols: used})
				}
				if !(one < sum) {
					t.Errorf("%s: one scan by the key (%g) must cost less than the OR of branches (%g)", branches.name, one, sum)
				}
			}
		})
	}

	// A key given as a constant stays in every branch: splitting is right
	// and saves requests, so the filters still make a branch cheaper.
	used := []string{"user_id", "is_read", "importance"}
	lit := c("user_id", eq, "alice@contoso.com").RHS()
	one := cost(sqlQuery{t: messages, cons: []con{lit}, cols: used})
	sum := cost(sqlQuery{t: messages, cons: []con{c("is_read", eq, int64(0)).RHS(), lit}, cols: used}) +
		cost(sqlQuery{t: messages, cons: []con{c("importance", eq, "high").RHS(), lit}, cols: used})
	if !(sum < one) {
		t.Errorf("user_id = 'alice…' AND (a OR b): the branches (%g) should cost less than one scan (%g)", sum, one)
	}
}

package plan

import (
	"testing"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// TestWantUnsorted: Scan.Want bounds the rows SQLite may read, and the work
// done ahead of it (fan-out, batched nested loops). When SQLite sorts the
// rows itself (an ORDER BY the scan does not consume) it reads every row
// before its LIMIT applies: Want must not claim LIMIT then.
func TestWantUnsorted(t *testing.T) {
	msg := tables.ByName("messages")
	for _, tc := range []struct {
		name string
		q    sqlQuery
		want int64
	}{
		{"no ORDER BY", sqlQuery{t: msg, cons: []con{limit(7)}, cols: []string{"subject"}}, 7},
		{"ORDER BY pushed", sqlQuery{t: msg, cons: []con{limit(7)}, order: []ob{{"received_date_time", true}}, cols: []string{"subject"}}, 7},
		{"ORDER BY sorted by SQLite", sqlQuery{t: msg, cons: []con{limit(7)}, order: []ob{{"subject", false}}, cols: []string{"subject"}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, s, err := tc.q.plan(t)
			if err != nil {
				t.Fatal(err)
			}
			if s.Want != tc.want {
				t.Errorf("Want = %d, want %d", s.Want, tc.want)
			}
		})
	}
}

package funcs

import (
	"database/sql"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// TestRealText checks that a REAL given to regexp reads as the text SQLite
// itself makes of it (CAST(x AS TEXT)), so 'x REGEXP' sees what the user
// sees.
func TestRealText(t *testing.T) {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, v := range []float64{1, 12.5, -3.25, 0.1, 1e20, 1.5e-7, -2.5e-5, 0.0001, 123456789012345, 1e15, 1e16, 1e17, 3.141592653589793, 2.0 / 3, -1e300, 0} {
		var want string
		if err := db.QueryRow("SELECT CAST(? AS TEXT)", v).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := realText(v); got != want {
			t.Errorf("realText(%v) = %q, SQLite says %q", v, got, want)
		}
	}
}

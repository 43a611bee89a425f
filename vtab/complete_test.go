//go:build !outlooksql_ext

package vtab

import "testing"

func TestComplete(t *testing.T) {
	for sql, want := range map[string]bool{
		"SELECT 1;":           true,
		"SELECT 1":            false,
		"SELECT ';":           false,
		"SELECT 1; -- done\n": true,
		"SELECT 1; -- done":   false, // SQLite waits for the end of the comment
		"SELECT 1 /* ; */":    false,
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;":          false,
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;":     true,
		"CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END": false,
	} {
		if got := Complete(sql); got != want {
			t.Errorf("Complete(%q) = %v, want %v", sql, got, want)
		}
	}
}

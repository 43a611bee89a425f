package syncdb

import (
	"database/sql"
	"slices"
	"sort"
	"strings"
	"testing"
)

// ftsWords splits text as FTS4's simple tokenizer does: runs of ASCII
// letters and digits (and any non-ASCII byte), lower-cased.
func ftsWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r < 0x80 && !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// TestFTSAgreesWithWordScan: on a generated mailbox, for every ASCII word
// of the indexed columns (subject, body_preview, from_name, from_address,
// to_recipients) that occurs in 2 to 200 messages, messages_fts MATCH finds
// exactly the messages a whole-word scan of the same columns finds.
func TestFTSAgreesWithWordScan(t *testing.T) {
	path := syncGenerated(t, 12, 400)
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cols []string
	for _, c := range ftsColumns[:5] { // body is NULL without --body
		cols = append(cols, "coalesce("+c+", '')")
	}
	rows, err := db.Query("SELECT rowid, " + strings.Join(cols, " || ' ' || ") + " FROM messages ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	byWord := map[string][]int64{}
	for rows.Next() {
		var id int64
		var text sql.NullString
		if err := rows.Scan(&id, &text); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, w := range ftsWords(text.String) {
			if !seen[w] && strings.IndexFunc(w, func(r rune) bool { return r >= 0x80 }) < 0 {
				seen[w] = true
				byWord[w] = append(byWord[w], id)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	checked := 0
	words := make([]string, 0, len(byWord))
	for w := range byWord {
		words = append(words, w)
	}
	sort.Strings(words)
	for _, w := range words {
		want := byWord[w]
		if len(want) < 2 || len(want) > 200 {
			continue
		}
		got, err := queryInts(db, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid", `"`+w+`"`)
		if err != nil {
			t.Fatalf("MATCH %q: %v", w, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("MATCH %q: %d messages, a word scan finds %d", w, len(got), len(want))
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d words checked: the test proves little", checked)
	}
}

func queryInts(db *sql.DB, q string, args ...any) ([]int64, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

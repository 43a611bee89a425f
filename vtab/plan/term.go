package plan

import (
	"fmt"
	"strings"
)

// How says what became of one term of a scan.
type How uint8

// What a scan did with a term. Every term but Checked is in Scan.Pushed;
// Checked terms are in Scan.Local.
const (
	// Checked: SQLite checks the constraint on every row (Scan.Local).
	Checked How = iota
	// ByPath: the value fills a path segment (mailbox, folder, message).
	ByPath
	// BySearch: the value is sent as $search.
	BySearch
	// ByID: one GET by id per value.
	ByID
	// ByFilter: Term.Filter is sent as $filter clauses.
	ByFilter
	// Always: the constraint holds for every row Graph returns; nothing is sent.
	Always
	// NoRows: no row can satisfy the constraint; the scan sends no request.
	NoRows
	// Stop: LIMIT stops the scan after Term.N rows.
	Stop
	// Pages: LIMIT sizes the pages, Term.N rows each ($top).
	Pages
	// Skip: OFFSET is sent as $skip=Term.N.
	Skip
	// Sorted: ORDER BY is sent as $orderby=Term.OrderBy.
	Sorted
)

// Term is one line of a scan's explanation: a constraint of the query (or
// its LIMIT, OFFSET or ORDER BY) as SQL, and what the scan did with it.
// explain renders it with String; nothing reads its text back.
type Term struct {
	// SQL is the constraint as SQL: "subject = 'x'", "user_id IN ('a', 'b')",
	// "LIMIT 5", "ORDER BY received_date_time DESC".
	SQL string
	// How is what the scan did with it.
	How How
	// Filter is the $filter clauses sent for a ByFilter term, joined by
	// "and" when shown.
	Filter []string
	// Split is the number of requests a ByFilter IN list was split into to
	// keep URLs short (0 or 1: not split).
	Split int
	// N is the rows of Stop, the page size of Pages and the rows skipped by
	// Skip.
	N int64
	// OrderBy is the $orderby value of a Sorted term.
	OrderBy string
}

// String renders the term for explain: "SQL → what was sent", or the SQL
// alone for a term SQLite checks.
func (t Term) String() string {
	what := ""
	switch t.How {
	case Checked:
		return t.SQL
	case ByPath:
		what = "path"
	case BySearch:
		what = "$search"
	case ByID:
		what = "GET by id"
	case ByFilter:
		what = strings.Join(t.Filter, " and ")
	case Always:
		what = "true for every row"
	case NoRows:
		what = "no rows, no request"
	case Stop:
		what = fmt.Sprintf("stop after %d rows", t.N)
		if t.N == 1 {
			what = "stop after 1 row"
		}
	case Pages:
		what = fmt.Sprintf("pages of %d", t.N)
	case Skip:
		what = fmt.Sprintf("$skip=%d", t.N)
	case Sorted:
		what = "$orderby=" + t.OrderBy
	}
	if t.Split > 1 {
		what += fmt.Sprintf(" (split into %d requests)", t.Split)
	}
	return t.SQL + " → " + what
}

// Strings renders terms with String, for explain and tests.
func Strings(terms []Term) []string {
	var out []string
	for _, t := range terms {
		out = append(out, t.String())
	}
	return out
}

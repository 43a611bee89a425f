package outlook

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// tooComplex reports whether err is Graph refusing a $filter with an
// $orderby as too complex: Microsoft warns that it may, even for a filter
// shaped as its InefficientFilter rule asks.
func tooComplex(err error) bool { return graph.Code(err) == "InefficientFilter" }

// sortLocally answers a request Graph refused as too complex: the same
// request without $orderby (and without $skip and a $top cap), every
// matching row read, then sorted here by the $orderby key, with the
// request's OFFSET and LIMIT applied. SQLite was promised this order, so
// the rows must arrive in it. It returns false when r has no $orderby.
func (c *cursor) sortLocally(r *plan.Request) (rowSource, bool, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, false, nil
	}
	q := u.Query()
	orderBy := q.Get("$orderby")
	if orderBy == "" || strings.Contains(orderBy, ",") {
		return nil, false, nil
	}
	prop, dir, _ := strings.Cut(orderBy, " ")
	skip, _ := strconv.Atoi(q.Get("$skip"))
	q.Del("$orderby")
	q.Del("$skip")
	q.Set("$top", strconv.Itoa(c.t.MaxTop))
	// Encode writes spaces as "+"; the planner's URLs use %20, and a literal
	// "+" is already %2B.
	u.RawQuery = strings.NewReplacer("%24", "$", "+", "%20").Replace(q.Encode())

	all := *r
	all.URL, all.Limit = u.String(), 0
	list := &listSource{c: c, req: &all, pager: c.src.Client.Pages(c.ctx, all.Mailbox, all.URL, header(all.Header))}
	var rows []row
	for {
		rw, err := list.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, true, fmt.Errorf("sorting locally after Graph refused $orderby: %w", err)
		}
		rows = append(rows, rw)
	}
	key := func(i int) string { return rows[i].item.Get(prop).String() }
	sort.SliceStable(rows, func(i, j int) bool {
		if strings.EqualFold(dir, "desc") {
			return key(i) > key(j)
		}
		return key(i) < key(j)
	})
	rows = rows[min(skip, len(rows)):]
	if r.Limit > 0 && int64(len(rows)) > r.Limit {
		rows = rows[:r.Limit]
	}
	return &sliceSource{rows: rows}, true, nil
}

// sliceSource yields rows already read.
type sliceSource struct{ rows []row }

func (s *sliceSource) next() (row, error) {
	if len(s.rows) == 0 {
		return row{}, io.EOF
	}
	r := s.rows[0]
	s.rows = s.rows[1:]
	return r, nil
}

package outlook

import (
	"fmt"
	"io"
	"sort"

	"github.com/outlooksql/outlooksql/internal/graph"
)

// tooComplex reports whether err is Graph refusing a $filter with an
// $orderby as too complex: Microsoft warns that it may, even for a filter
// shaped as its InefficientFilter rule asks.
func tooComplex(err error) bool { return graph.Code(err) == "InefficientFilter" }

// sortLocally answers request ri of the scan, which Graph refused as too
// complex, as the plan's LocalSort says: the same request without $orderby
// (and without $skip and a $top cap), every matching row read, then sorted
// here by the $orderby key, with the request's OFFSET and LIMIT applied.
// SQLite was promised this order, so the rows must arrive in it. It
// returns false when the request has no $orderby.
func (c *cursor) sortLocally(ri int) (rowSource, bool, error) {
	ls, ok := c.scan.LocalSort(ri)
	if !ok {
		return nil, false, nil
	}
	all := ls.Request
	list := &listSource{c: c, req: &all, pager: adapt(&all, c.src.Client.Pages(c.ctx, all.Mailbox, all.URL, c.header(&all)))}
	var rows []row
	for {
		rw, err := list.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, true, fmt.Errorf("sorting locally after Graph refused $orderby: %w", err)
		}
		rw.members = nil // they are the listing's until its next row
		rows = append(rows, rw)
	}
	key := func(i int) string { return rows[i].item.Get(ls.Property).String() }
	sort.SliceStable(rows, func(i, j int) bool {
		if ls.Desc {
			return key(i) > key(j)
		}
		return key(i) < key(j)
	})
	rows = rows[min(ls.Skip, int64(len(rows))):]
	if ls.Limit > 0 && int64(len(rows)) > ls.Limit {
		rows = rows[:ls.Limit]
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

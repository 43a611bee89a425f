package outlook

import (
	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// adapt lets p change its page size when r's pages carry a heavy column
// (plan.Request.Adapt): smaller after a 504 or a timed-out page, larger
// again after pages that succeed. It returns p.
func adapt(r *plan.Request, p *graph.Pager) *graph.Pager {
	if r.Adapt {
		p.Adapt()
	}
	return p
}

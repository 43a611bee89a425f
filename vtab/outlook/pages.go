package outlook

import (
	"net/http"

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

// failedFirst is the pages of request r whose first page, fetched ahead,
// failed with err: when r adapts and Graph was too slow to build the page,
// the collection is read again from a page half as large; else err.
func (c *cursor) failedFirst(r *plan.Request, u string, hdr http.Header, err error) pages {
	if r.Adapt && graph.TooSlow(err) {
		return c.src.Client.Pages(c.ctx, r.Mailbox, u, hdr).AdaptAfter(err)
	}
	return failedPages{err}
}

package fakegraph

// Graph assembles a page of messages before it sends it; a page too large
// to assemble in time (many items with full bodies) answers 504 Gateway
// Timeout. The fake has no clock for that, so it stands in a size: a page
// whose body would exceed a set number of bytes answers 504.

// WithMaxPageBytes makes a page of messages or attachments whose body would
// be larger than n bytes answer 504 GatewayTimeout instead, as Graph does
// with a page too large to assemble in time (0, the default: no limit).
func WithMaxPageBytes(n int) Option { return func(s *Server) { s.maxPageBytes.Store(int64(n)) } }

// SetMaxPageBytes is WithMaxPageBytes on a running server.
func (s *Server) SetMaxPageBytes(n int) { s.maxPageBytes.Store(int64(n)) }

// writePage sends a listing page b, or 504 when it is larger than the
// server's MaxPageBytes.
func (c *call) writePage(b []byte) {
	if max := c.s.maxPageBytes.Load(); max > 0 && int64(len(b)) > max {
		putBuf(b)
		c.fail(504, "UnknownError", "")
		return
	}
	c.writeJSON(b)
}

package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the limits that keep a request from hanging or growing
// without end.
const (
	// DefaultMaxRetryAfter is the longest Retry-After honoured when
	// Retry.MaxRetryAfter is 0.
	DefaultMaxRetryAfter = time.Minute
	// DefaultStallTimeout is Options.StallTimeout when 0.
	DefaultStallTimeout = 30 * time.Second
	// StallBytes is the least a response body must deliver in each
	// StallTimeout: a body that trickles slower than that is abandoned.
	StallBytes = 1024
	// DefaultResponseTimeout is Options.ResponseTimeout when 0: long
	// enough for Graph's largest attachment (150 MB) on a slow line, short
	// enough that a body trickling just above StallBytes ends.
	DefaultResponseTimeout = 10 * time.Minute
	// DefaultMaxEmptyPages is Options.MaxEmptyPages when 0.
	DefaultMaxEmptyPages = 1000
	// MaxAttachmentBytes bounds an attachment's bytes (a GET of …/$value),
	// which MaxResponseBytes does not: Graph's largest attachment is 150 MB.
	MaxAttachmentBytes = 160 << 20
)

// LimitError is a request refused because it would pass a limit the
// connection string sets. It is never retried: the same request would pass
// it again. Key names the connection-string key that raises the limit.
type LimitError struct {
	Key string
	msg string
}

func (e *LimitError) Error() string { return e.msg }

func limitError(key, format string, args ...any) *LimitError {
	return &LimitError{Key: key, msg: fmt.Sprintf(format, args...)}
}

// Budget counts the HTTP requests of one SQL statement against a limit
// (connection-string key MaxRequests). Requests answered by a Memo cost
// nothing; every attempt sent, retries included, costs one. It is safe for
// concurrent use.
type Budget struct {
	max  int64
	used atomic.Int64
}

// NewBudget returns a budget of max requests; 0 or less means no limit.
func NewBudget(max int64) *Budget { return &Budget{max: max} }

// Used returns the requests sent under the budget.
func (b *Budget) Used() int64 { return b.used.Load() }

// take spends one request, or returns the error that ends the statement.
func (b *Budget) take() error {
	if b == nil {
		return nil
	}
	n := b.used.Add(1)
	if b.max > 0 && n > b.max {
		b.used.Add(-1)
		return limitError("MaxRequests", "the statement reached its limit of %d requests to Graph (connection key MaxRequests): raise MaxRequests, or narrow the query (a join that repeats a scan larger than the statement's cache fetches it again for each outer row)", b.max)
	}
	return nil
}

type budgetKeyT struct{}

// WithBudget returns a context under which every request sent spends from b.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKeyT{}, b)
}

func budgetFrom(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKeyT{}).(*Budget)
	return b
}

// errStalled and errTooLong are the causes that cancel a request whose
// body stalled or took too long in all.
var (
	errStalled = errors.New("stalled")
	errTooLong = errors.New("too long")
)

// readBody reads a response body of at most limit bytes (0: no limit). The
// body must deliver at least StallBytes in every window of stall, and end
// within whole, or the read ends: cancel (the request's) is called with
// errStalled or errTooLong and the error says so. A body that ends, even
// slowly, within those bounds is read whole.
//
// size is the body's length when known (Content-Length), else -1: the buffer
// is allocated once at that size instead of growing, and the bytes are
// returned without a final copy. A scan reads 100 such pages per 100,000
// rows; growing and copying cost it a third of its allocations.
func readBody(body io.Reader, size, limit int64, stall, whole time.Duration, cancel context.CancelCauseFunc) ([]byte, error) {
	var (
		mu      sync.Mutex
		got     int64 // bytes in the current window
		stalled bool
		tooLong bool
	)
	all := time.AfterFunc(whole, func() {
		mu.Lock()
		defer mu.Unlock()
		tooLong = true
		cancel(errTooLong)
	})
	defer all.Stop()
	var t *time.Timer
	t = time.AfterFunc(stall, func() {
		mu.Lock()
		defer mu.Unlock()
		if got < StallBytes {
			stalled = true
			cancel(errStalled)
			return
		}
		got = 0
		t.Reset(stall)
	})
	defer t.Stop()
	buf := make([]byte, 0, initialBodyCap(size, limit))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(cap(buf), minBodyRead))
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		if n > 0 {
			buf = buf[:len(buf)+n]
			if limit > 0 && int64(len(buf)) > limit {
				return nil, limitError("MaxResponseBytes", "the response is larger than %d bytes (connection key MaxResponseBytes): raise MaxResponseBytes, or select fewer columns", limit)
			}
			mu.Lock()
			got += int64(n)
			mu.Unlock()
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			mu.Lock()
			s, l := stalled, tooLong
			mu.Unlock()
			if s {
				return nil, timeoutError(fmt.Sprintf("the response stalled: fewer than %d bytes arrived in %s", StallBytes, stall))
			}
			if l {
				return nil, timeoutError(fmt.Sprintf("the response did not end within %s of its headers: the connection trickles", whole))
			}
			return nil, err
		}
	}
}

// minBodyRead is the least room readBody reads into.
const minBodyRead = 32 << 10

// maxBodyHint is the largest buffer a Content-Length makes readBody
// allocate before the bytes arrive: a header can claim anything.
const maxBodyHint = 16 << 20

// initialBodyCap is the capacity readBody starts with for a body of size
// bytes (-1: unknown) and a limit of limit bytes (0: none): one byte more
// than the body, so that the read that reports its end needs no more room.
func initialBodyCap(size, limit int64) int {
	if size < 0 || (limit > 0 && size > limit) || size > maxBodyHint {
		return minBodyRead
	}
	return int(size) + 1
}

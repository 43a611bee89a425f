package graph

import (
	"context"
	"sync"
	"time"
)

// Record is one attempt at a request.
type Record struct {
	Method   string
	URL      string // absolute, as sent
	Status   int    // 0 when no response arrived
	Bytes    int64  // response body bytes
	Duration time.Duration
	Attempt  int           // 1 for the first attempt of a Get, 2 for its first retry, …
	Wait     time.Duration // the throttling wait before this attempt
	Err      string        // network error, or Graph's error code for a non-2xx
}

// Log records every attempt made under a context (see WithLog), for
// EXPLAIN-style output, tests and benchmarks. It is safe for concurrent use.
type Log struct {
	mu   sync.Mutex
	recs []Record
}

// Records returns a copy of the attempts recorded so far, in order.
func (l *Log) Records() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), l.recs...)
}

// Reset forgets the recorded attempts.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = nil
}

func (l *Log) add(r Record) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
}

type logKey struct{}

// WithLog returns a context under which every attempt is recorded in l.
func WithLog(ctx context.Context, l *Log) context.Context {
	return context.WithValue(ctx, logKey{}, l)
}

func logFrom(ctx context.Context) *Log {
	l, _ := ctx.Value(logKey{}).(*Log)
	return l
}

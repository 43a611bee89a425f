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
	// Inner, for a POST to $batch, is the GETs it carried: Method, URL
	// (absolute), and the inner Status, Bytes and Err of each.
	Inner []Record
}

// Log records every attempt made under a context (see WithLog), for
// EXPLAIN-style output, tests and benchmarks. It also counts the requests
// a Memo answered without sending them. It is safe for concurrent use.
type Log struct {
	mu     sync.Mutex
	recs   []Record
	cached int
}

// Records returns a copy of the attempts recorded so far, in order.
func (l *Log) Records() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), l.recs...)
}

// Cached returns how many requests were answered by a Memo (an identical
// request made earlier or at the same time) instead of being sent.
func (l *Log) Cached() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cached
}

// Reset forgets the recorded attempts and the cached count.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = nil
	l.cached = 0
}

func (l *Log) add(r Record) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
}

func (l *Log) hit() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cached++
}

type logKey struct{}

// logChain is the logs of a context, innermost first.
type logChain struct {
	l      *Log
	parent *logChain
}

func (ch *logChain) add(r Record) {
	for ; ch != nil; ch = ch.parent {
		ch.l.add(r)
	}
}

func (ch *logChain) hit() {
	for ; ch != nil; ch = ch.parent {
		ch.l.hit()
	}
}

// WithLog returns a context under which every attempt is recorded in l.
// Logs nest: an attempt made under WithLog(WithLog(ctx, a), b) is recorded
// in both a and b (a statement's log and one scan's).
func WithLog(ctx context.Context, l *Log) context.Context {
	parent := logFrom(ctx)
	for ch := parent; ch != nil; ch = ch.parent {
		if ch.l == l {
			return ctx
		}
	}
	return context.WithValue(ctx, logKey{}, &logChain{l: l, parent: parent})
}

func logFrom(ctx context.Context) *logChain {
	l, _ := ctx.Value(logKey{}).(*logChain)
	return l
}

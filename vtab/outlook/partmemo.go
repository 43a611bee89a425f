package outlook

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outlooksql/outlooksql/internal/connect"
	"github.com/outlooksql/outlooksql/internal/lru"
	"github.com/outlooksql/outlooksql/vtab/plan"
)

// Remembered bounds: a listing that was split (probes, then chains) is
// remembered per process for PartitionMemory, by its account, mailbox and
// items (the listing's collection and $filter: neither $select, $orderby,
// $top, $count nor $skip). A repeat within that time starts its chains at
// once with the same bounds: no first page, no count, no probes.
//
// The bounds only balance the chains. The ranges stay half-open and open at
// both ends, so the chains cover the listing whatever changed since: new
// mail, mail gone, a mailbox that shrank. A listing that shrank to less
// than ParallelScanMinPages still runs as chains (one request per chain,
// at once, where one would do); the scan that finds it small forgets the
// bounds, so the next one starts with the first page again.
const (
	// PartitionMemory is how long the bounds of a split listing are used
	// again for a repeat of it.
	PartitionMemory = 10 * time.Minute
	// partMemoSize is the most listings remembered (least recently used
	// first out).
	partMemoSize = 256
)

// partMemo is what a split listing leaves for its repeats.
type partMemo struct {
	bounds []string  // the probed bounds, ascending; none: forgotten
	total  int64     // the listing's count when probed
	per    int64     // items per page
	at     time.Time // when it was probed
}

var memo = struct {
	sync.Mutex
	c   *lru.Cache[string, partMemo]
	now func() time.Time
}{c: lru.New[string, partMemo](partMemoSize), now: time.Now}

// SetPartitionClock makes now the clock by which remembered partition
// bounds expire, for tests; the returned func restores the previous one.
func SetPartitionClock(now func() time.Time) (restore func()) {
	memo.Lock()
	defer memo.Unlock()
	prev := memo.now
	memo.now = now
	return func() {
		memo.Lock()
		defer memo.Unlock()
		memo.now = prev
	}
}

// memoKey is the key of request r's listing in the memory.
func memoKey(src *Source, r *plan.Request) string {
	cfg := src.Config
	return strings.Join([]string{cfg.BaseURL, connect.LimitKey(cfg), strconv.Itoa(cfg.ParallelScans), r.Mailbox, r.Part.CountURL()}, "\x00")
}

// recall returns the bounds remembered for key, if they are younger than
// PartitionMemory, and how old they are.
func recall(key string) (partMemo, time.Duration, bool) {
	memo.Lock()
	defer memo.Unlock()
	m, ok := memo.c.Get(key)
	if !ok || len(m.bounds) == 0 {
		return partMemo{}, 0, false
	}
	age := memo.now().Sub(m.at)
	if age >= PartitionMemory || age < 0 {
		return partMemo{}, 0, false
	}
	return m, age, true
}

// remember records the bounds a listing was split by (none: forget it).
func remember(key string, m partMemo) {
	memo.Lock()
	defer memo.Unlock()
	if len(m.bounds) > 0 {
		m.at = memo.now()
	}
	memo.c.Add(key, m)
}

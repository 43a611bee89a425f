package driver_test

import (
	"testing"

	"github.com/outlooksql/outlooksql/driver"
)

// diffLookaheadQueries is how many random joins TestDifferentialLookahead
// runs.
const diffLookaheadQueries = 100

// diffLookahead is the Lookahead of the differential tests' connection: at
// most 3 keys fetched ahead, so that with pages of diffPageCap every join
// runs through many windows, batches and page ends.
const diffLookahead = "Lookahead=3"

// lookupQuery writes a random query that SQLite runs as a nested loop
// keyed by id, message_id or user_id: the shapes batched nested loops
// serve.
func (g *diffGen) lookupQuery() *diffQuery {
	g.args, g.preds = nil, nil
	switch g.n(5) {
	case 0:
		return g.attachmentsJoin()
	case 1:
		return g.usersJoin()
	case 2:
		return g.perUser()
	case 3:
		return g.attachmentCounts()
	}
	return g.selfByID()
}

// attachmentCounts counts each message's attachments in a correlated
// subquery: the inner scan keyed by message_id, once per message.
func (g *diffGen) attachmentCounts() *diffQuery {
	m := diffTable{"messages", "m"}
	s := g.scope(m)
	sub := bothSQL("(SELECT count(*) FROM attachments AS ca WHERE ca.message_id = m.id AND ca.user_id = m.user_id)")
	refs := []diffTable{m}
	return g.assemble(append(g.selectList(refs), sub.vt), s.from, g.where(refs, s), g.orderBy(refs), false).withPlainSelect(sub)
}

// selfByID joins messages with messages by id: the inner scan a GET by id,
// once per outer message.
func (g *diffGen) selfByID() *diffQuery {
	m, m2 := diffTable{"messages", "m"}, diffTable{"messages", "m2"}
	s := g.scope(m)
	join := " CROSS JOIN " // messages outside, as the lookahead needs
	if g.chance(30) {
		join = " LEFT JOIN "
	}
	on := sqlPair{"m2.id = m.id AND m2.user_id = m.user_id", "m2.id = m.id AND m2.user_id = m.user_id AND m2.folder_id IS NULL"}
	from := catSQL(s.from, bothSQL(join+"messages AS m2 ON "), on)
	refs := []diffTable{m, m2}
	return g.assemble(g.selectList(refs), from, g.where(refs, s), g.orderBy(refs), false)
}

// TestDifferentialLookahead runs random joins keyed by id, message_id and
// user_id through the differential comparison, with batched nested loops
// at a window of 3 (f.e) and, one query in five, at the default window
// with Pushdown=False (f.base); it fails when no inner scan was served by
// a lookahead.
func TestDifferentialLookahead(t *testing.T) {
	f := newDiffFixture(t)
	failures := 0
	var served, prefetched, dropped, requests int
	for i := range diffLookaheadQueries {
		seed := uint64(i) + 9001
		g := newDiffGen(f.pools, seed)
		q := g.lookupQuery()
		for j, e := range []*env{f.e, f.base} {
			if j == 1 && i%5 != 0 {
				continue
			}
			res := f.runDiff(e, q)
			if res.failure != "" {
				failures++
				t.Errorf("query %d (seed %d), %s:\n%s", i, seed, []string{diffLookahead, "Pushdown=False"}[j], res.failure)
				if failures >= 10 {
					t.Fatalf("stopping after %d failures", failures)
				}
				continue
			}
			requests += res.requests
			las, err := driver.Lookaheads(e.conn)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range las {
				served += l.Served
				prefetched += l.Prefetched
				dropped += l.Dropped
			}
		}
	}
	t.Logf("%d joins: %d Graph requests; %d inner scans served ahead, %d keys fetched ahead, %d dropped", diffLookaheadQueries, requests, served, prefetched, dropped)
	if served == 0 {
		t.Errorf("no inner scan was served by a lookahead: the joins did not exercise it")
	}
}

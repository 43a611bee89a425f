package driver_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestPartitionWithinMaxRequests: a listing that fits MaxRequests exactly
// when read as one chain (ParallelScans=1) must not fail when it could be
// partitioned: the count, the probes and the pages read again cost
// requests the sequential scan does not, so a scan that would exceed the
// budget by partitioning should stay one chain (or count them first).
// Found by the hostile pass of issue 11; vtab/outlook/partition.go is not
// changed here.
func TestPartitionWithinMaxRequests(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 41, Users: 1, MessagesPerUser: 400})
	const q = "SELECT id, subject FROM messages"
	seq := newEnv(t, tenant, []string{"ParallelScans=1"}, fakegraph.WithPageCap(40))
	want := sorted(seq.query(t, q))
	n := len(seq.Server.Requests()) // 10 pages of 40
	e := newEnv(t, tenant, []string{"MaxRequests=" + strconv.Itoa(n), "ParallelScanMinPages=2"}, fakegraph.WithPageCap(40))
	rows, err := e.conn.QueryContext(context.Background(), q)
	if err == nil {
		var got [][]string
		if got, err = readRows(rows); err == nil {
			diffRows(t, "partitioned", sorted(got), want)
		}
	}
	if err != nil {
		t.Errorf("one chain needs %d requests; with MaxRequests=%d and ParallelScans=4: %v (%d requests sent)", n, n, err, len(e.Server.Requests()))
	}
}

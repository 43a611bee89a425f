package driver_test

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// driverGoroutines returns the stacks of the goroutines running the
// driver's code (vtab, internal/graph), the fake's and net/http's aside.
func driverGoroutines() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "testing.tRunner") || strings.Contains(g, "fakegraph") {
			continue
		}
		if strings.Contains(g, "outlooksql/vtab") || strings.Contains(g, "outlooksql/internal/graph") {
			out = append(out, g)
		}
	}
	return out
}

// settledGoroutines waits until no goroutine runs the driver's code, and
// returns those still running.
func settledGoroutines() []string {
	gs := driverGoroutines()
	for i := 0; i < 300 && len(gs) > 0; i++ {
		time.Sleep(10 * time.Millisecond)
		gs = driverGoroutines()
	}
	return gs
}

// TestHostile11Cancel: a join cancelled mid-way (its context) with
// prefetches in flight: no goroutine is left, no request arrives after.
func TestHostile11Cancel(t *testing.T) {
	f := newLAFixture(t, []string{"ParallelScans=1"}, fakegraph.WithLatency(40*time.Millisecond))
	q := "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) c FROM messages m"
	for _, after := range []int{1, 7, 30} {
		ctx, cancel := context.WithCancel(context.Background())
		rows, err := f.conns["On"].QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if n++; n == after {
				if len(driverGoroutines()) == 0 {
					t.Fatal("no goroutine of the driver while a statement runs: the check proves nothing")
				}
				cancel()
			}
		}
		err = rows.Err()
		rows.Close()
		cancel()
		if err == nil {
			t.Errorf("after %d rows: no error after cancel", after)
		}
		seen := len(f.Server.Requests())
		if gs := settledGoroutines(); len(gs) > 0 {
			t.Fatalf("after %d rows: %d goroutines of the driver left:\n%s", after, len(gs), strings.Join(gs, "\n\n"))
		}
		time.Sleep(150 * time.Millisecond)
		if later := len(f.Server.Requests()); later != seen {
			t.Errorf("after %d rows: %d requests arrived after the statement ended", after, later-seen)
		}
		f.Server.ResetRequests()
	}
}

// TestHostile11Update: an UPDATE whose WHERE is a correlated subquery on
// attachments (a nested loop inside a write) changes exactly the messages
// with attachments, and looks nothing ahead (Lookahead is off in writes).
func TestHostile11Update(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 99, Users: 2, MessagesPerUser: 120})
	want := 0
	for _, m := range tenant.Users[0].Messages {
		if len(m.Attachments) > 0 {
			want++
		}
	}
	if want == 0 {
		t.Fatal("no case")
	}
	e := newEnv(t, tenant, []string{"Lookahead=On"})
	res, err := e.conn.ExecContext(context.Background(), "UPDATE messages SET importance = 'high' WHERE EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = messages.id)")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := res.RowsAffected()
	las, _ := driver.Lookaheads(e.conn)
	t.Logf("affected %d want %d; lookaheads %+v", n, want, las)
	if int(n) != want || want < 10 {
		t.Errorf("affected %d, want %d (at least 10 for the case to prove anything)", n, want)
	}
	if len(las) != 0 {
		t.Errorf("lookaheads %+v inside a write: want none", las)
	}
	got := e.query(t, "SELECT count(*) FROM messages m WHERE m.importance = 'high' AND EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)")
	if len(got) != 1 || got[0][0] != strconv.Itoa(want) {
		t.Errorf("after the UPDATE, %v messages with attachments are high, want %d", got, want)
	}
}

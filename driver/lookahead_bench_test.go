package driver_test

import (
	"context"
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// BenchmarkLookahead compares Lookahead=Off (one inner request per outer
// row, in turn) with On, at 100 ms per Graph request: the attachments of
// 160 messages by a correlated subquery and by a join with messages
// outside, and users × messages over 20 mailboxes. It reports HTTP
// requests (a $batch counts once) and the GETs inside them per query;
// ns/op is the wall time. Run with -benchtime=1x: Off takes about 16 s
// per attachments query.
func BenchmarkLookahead(b *testing.B) {
	f := newLAFixture(b, nil, fakegraph.WithLatency(100*time.Millisecond))
	queries := []struct{ name, q string }{
		{"attachments160-subquery", "SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m"},
		{"attachments160-join", "SELECT m.id, a.id, a.name FROM messages m CROSS JOIN attachments a ON a.message_id = m.id"},
		{"users20xmessages", "SELECT u.id, m.id, m.subject FROM users u JOIN messages m ON m.user_id = u.id"},
	}
	for _, qq := range queries {
		for _, mode := range []string{"Off", "On"} {
			b.Run(qq.name+"/"+mode, func(b *testing.B) {
				conn := f.conns[mode]
				var reqs, gets int
				for b.Loop() {
					f.Server.ResetRequests()
					st, err := driverScan(context.Background(), conn, qq.q)
					if err != nil || st.rows == 0 {
						b.Fatalf("%d rows, %v", st.rows, err)
					}
					for _, r := range f.Server.Requests() {
						reqs++
						gets += max(len(r.Inner), 1)
					}
				}
				b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
				b.ReportMetric(float64(gets)/float64(b.N), "gets/op")
			})
		}
	}
}

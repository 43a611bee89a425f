package driver_test

import (
	"testing"
	"time"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// BenchmarkMarkRead1000 marks 1,000 unread messages read at 50 ms of fake
// latency per request: the flush's $batch requests of 20 (FanOut=Batch)
// against one PATCH per message, 4 at a time (Concurrent) or one after
// another (Sequential, the naive client). It reports Graph requests (a
// $batch POST counts once) and write requests (PATCHes, inner ones
// included) per statement. Run with -benchtime=1x: Sequential takes about
// a minute.
//
//	go test ./driver/ -run '^$' -bench MarkRead1000 -benchtime=1x
func BenchmarkMarkRead1000(b *testing.B) {
	for _, mode := range []string{"Batch", "Concurrent", "Sequential"} {
		b.Run(mode, func(b *testing.B) {
			tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 1, MessagesPerUser: 1000})
			e := newEnv(b, tenant, []string{"FanOut=" + mode, "RetryCountMax=0"}, fakegraph.WithLatency(50*time.Millisecond))
			var requests, writes int
			for b.Loop() {
				b.StopTimer()
				e.Server.Update(func(t *fakegraph.Tenant) {
					for _, m := range t.Users[0].Messages {
						m.IsRead = false
					}
				})
				e.Server.ResetRequests()
				b.StartTimer()
				if _, err := e.conn.ExecContext(b.Context(), "UPDATE messages SET is_read = 1 WHERE is_read = 0"); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				reqs := e.Server.Requests()
				requests += len(reqs)
				for _, r := range reqs {
					switch {
					case r.Method == "PATCH":
						writes++
					case len(r.Inner) > 0:
						for _, in := range r.Inner {
							if in.Method == "PATCH" {
								writes++
							}
						}
					}
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(writes)/float64(b.N), "patches/op")
		})
	}
}

package driver_test

import (
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

func TestLookaheadSmoke(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 2, MessagesPerUser: 160})
	e := newEnv(t, tenant, nil)
	e.Server.ResetRequests()
	rows := e.query(t, "SELECT m.id, a.id FROM messages m JOIN attachments a ON a.message_id = m.id")
	t.Logf("rows %d", len(rows))
	for _, r := range e.requests() {
		t.Log(r)
	}
	for _, r := range e.Server.Requests() {
		t.Log(r.Method, r.Path, len(r.Inner))
	}
	la, _ := driver.Lookaheads(e.conn)
	t.Logf("%+v", la)
}

package driver_test

import (
	"testing"

	"github.com/outlooksql/outlooksql/driver"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

func TestLookaheadSmoke(t *testing.T) {
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 5, Users: 20, MessagesPerUser: 160})
	e := newEnv(t, tenant, nil)
	for _, q := range []string{
		"SELECT m.id, a.id FROM messages('me', 'inbox') m JOIN attachments a ON a.message_id = m.id",
		"SELECT m.id, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) FROM messages m",
		"SELECT u.id, m.id FROM users u JOIN messages m ON m.user_id = u.id",
		"SELECT u.id, m.id FROM users u JOIN messages m ON m.user_id = u.id WHERE m.importance = 'high'",
	} {
		e.Server.ResetRequests()
		rows := e.query(t, q)
		t.Logf("%s: rows %d", q, len(rows))
		for _, r := range e.requests() {
			t.Log(r)
		}
		la, _ := driver.Lookaheads(e.conn)
		t.Logf("%+v", la)
	}
}

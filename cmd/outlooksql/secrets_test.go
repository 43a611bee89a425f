package main

import (
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// TestExplainHidesBaseURLPassword: a BaseUrl with a password
// (https://user:pass@host/…) is shown with the password as "xxxxx" in
// explain's request list, single GETs and $batch alike, and in errors.
func TestExplainHidesBaseURLPassword(t *testing.T) {
	const password = "Pa55-w0rd-XYZ"
	tenant := fakegraph.Generate(fakegraph.GenConfig{Seed: 3, Users: 1, MessagesPerUser: 10})
	env, err := demo.Start(tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	graphURL := env.Server.GraphURL()
	withPass := strings.Replace(graphURL, "://", "://graphuser:"+password+"@", 1)
	shown := strings.Replace(graphURL, "://", "://graphuser:xxxxx@", 1)
	conn := strings.Replace(env.ConnString(), "BaseUrl="+graphURL, "BaseUrl="+withPass, 1)
	a, b := tenant.Users[0].Messages[0].ID, tenant.Users[0].Messages[1].ID

	tests := []struct {
		name string
		sql  string
		want []string
	}{
		{"GET", "SELECT id FROM messages ORDER BY received_date_time DESC LIMIT 3",
			[]string{"GET " + shown + "/me/messages?$orderby=receivedDateTime%20desc&$select=id,receivedDateTime&$top=3 -> 200"}},
		{"batch", "SELECT subject FROM messages WHERE id IN ('" + a + "', '" + b + "')",
			[]string{"POST " + shown + "/$batch -> 200", "GET " + shown + "/me/messages/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := cli("explain", "-c", conn, tt.sql)
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("explain output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out+errOut, password) {
				t.Errorf("the BaseUrl password shows:\n%s%s", out, errOut)
			}
		})
	}
}

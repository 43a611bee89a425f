package driver_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/driver"
)

// TestTooComplexSortsLocally: when Graph refuses a correctly shaped $filter
// with $orderby as too complex (InefficientFilter), the scan asks again
// without $orderby and sorts the rows itself, because SQLite was promised
// the order. The answers must equal the plain computation from the model.
func TestTooComplexSortsLocally(t *testing.T) {
	tenant := small()
	e := newEnv(t, tenant, nil)
	me := tenant.Users[0]
	sender := ""
	count := map[string]int{}
	for _, m := range me.Messages {
		if m.From != nil {
			count[m.From.Address]++
			if count[m.From.Address] > count[sender] {
				sender = m.From.Address
			}
		}
	}
	// The model's answer: that sender's messages, newest first.
	var dates []string
	for _, m := range me.Messages {
		if m.From != nil && m.From.Address == sender {
			dates = append(dates, `"`+m.ReceivedDateTime.UTC().Format("2006-01-02T15:04:05Z")+`"`)
		}
	}
	slices.Sort(dates)
	slices.Reverse(dates)
	if len(dates) < 12 {
		t.Fatalf("sender %s has %d messages: the test would prove little", sender, len(dates))
	}
	e.Server.SetTooComplex(true)
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"SELECT received_date_time FROM messages WHERE from_address = '" + sender + "' ORDER BY received_date_time DESC", dates},
		{"SELECT received_date_time FROM messages WHERE from_address = '" + sender + "' ORDER BY received_date_time DESC LIMIT 5", dates[:5]},
		{"SELECT received_date_time FROM messages WHERE from_address = '" + sender + "' ORDER BY received_date_time DESC LIMIT 4 OFFSET 3", dates[3:7]},
		{"SELECT received_date_time FROM messages WHERE from_address = '" + sender + "' ORDER BY received_date_time LIMIT 3", []string{dates[len(dates)-1], dates[len(dates)-2], dates[len(dates)-3]}},
	} {
		e.Server.ResetRequests()
		got := e.query(t, tc.sql)
		var col []string
		for _, r := range got {
			col = append(col, r[0])
		}
		if !slices.Equal(col, tc.want) {
			t.Errorf("%s:\n got %v\nwant %v", tc.sql, col, tc.want)
		}
		reqs := e.Server.Requests()
		if len(reqs) != 2 || reqs[0].Status != 400 || !reqs[0].Query.Has("$orderby") || reqs[1].Status != 200 || reqs[1].Query.Has("$orderby") || reqs[1].Query.Has("$skip") {
			var desc []string
			for _, r := range reqs {
				desc = append(desc, describe(r.Method, r.Path, r.Query)+" → "+fmt.Sprint(r.Status))
			}
			t.Errorf("%s: requests %v, want the refused one with $orderby, then one without", tc.sql, desc)
		}
		ws, _ := driver.Warnings(e.conn)
		if len(ws) != 1 || !strings.Contains(ws[0], "sorted locally") {
			t.Errorf("%s: warnings %q", tc.sql, ws)
		}
	}
}

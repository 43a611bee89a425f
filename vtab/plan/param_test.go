package plan

import (
	"reflect"
	"testing"

	"github.com/outlooksql/outlooksql/vtab/sqlite"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// calendarView is a table whose keys include query parameters, as Graph's
// calendarView takes its window: declared as data, planned by the same code.
var calendarView = &tables.Table{
	Name:       "calendar_view",
	Collection: "/{mailbox}/calendarView",
	MaxTop:     1000,
	Rows:       500,
	Columns: []tables.Column{
		{Name: "user_id", Type: tables.Text, Hidden: true, Key: tables.KeyMailbox},
		{Name: "start_date_time", Type: tables.Text, Hidden: true, Key: "start", Param: "startDateTime"},
		{Name: "end_date_time", Type: tables.Text, Hidden: true, Key: "end", Param: "endDateTime"},
		{Name: "id", Type: tables.Text, Select: "id", Path: "id"},
		{Name: "subject", Type: tables.Text, Select: "subject", Path: "subject"},
	},
}

// TestQueryParameterKeys: a key column with Param fills a query parameter,
// escaped, one request per combination of values, each echoing its value.
func TestQueryParameterKeys(t *testing.T) {
	q := sqlQuery{t: calendarView, cols: []string{"subject"}, cons: []con{
		c("start_date_time", sqlite.OpEQ, "2024-03-01T00:00:00Z"),
		c("end_date_time", sqlite.OpEQ, in("2024-03-02T00:00:00Z", "2024-03-08T00:00:00 Z")).IN(),
	}}
	info, s, err := q.plan(t)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range info.ConstraintUsage {
		if !u.Omit {
			t.Errorf("constraint %d not omitted: the key fills the request", i)
		}
	}
	var urls []string
	var echoes []map[int]any
	for _, r := range s.Requests {
		urls = append(urls, r.URL)
		echoes = append(echoes, r.Echo)
	}
	want := []string{
		"/me/calendarView?startDateTime=2024-03-01T00:00:00Z&endDateTime=2024-03-02T00:00:00Z&$select=id,subject&$top=1000",
		"/me/calendarView?startDateTime=2024-03-01T00:00:00Z&endDateTime=2024-03-08T00:00:00%20Z&$select=id,subject&$top=1000",
	}
	if !reflect.DeepEqual(urls, want) {
		t.Errorf("URLs\n got %q\nwant %q", urls, want)
	}
	wantEcho := []map[int]any{
		{0: "me", 1: "2024-03-01T00:00:00Z", 2: "2024-03-02T00:00:00Z"},
		{0: "me", 1: "2024-03-01T00:00:00Z", 2: "2024-03-08T00:00:00 Z"},
	}
	if !reflect.DeepEqual(echoes, wantEcho) {
		t.Errorf("echo\n got %v\nwant %v", echoes, wantEcho)
	}
}

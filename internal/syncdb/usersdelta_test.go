package syncdb

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
)

// tenantUsers renders the tenant's users as (id, display_name), sorted.
func tenantUsers(srv *fakegraph.Server) [][]string {
	var out [][]string
	for _, u := range srv.Snapshot().Users {
		out = append(out, []string{u.ID, u.DisplayName})
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

func TestUsersDeltaRounds(t *testing.T) {
	srv, _, o := tenantSync(t, 5, "users")
	s := mustRun(t, o)
	want := tenantUsers(srv)
	if got := query(t, o.Path, "SELECT id, display_name FROM users ORDER BY id"); !reflect.DeepEqual(got, want) {
		t.Fatalf("first round: users = %v, want %v", got, want)
	}
	if s.Users != int64(len(want)) || s.UsersFullRead {
		t.Errorf("first round: %d users written, full read %v; want %d by delta", s.Users, s.UsersFullRead, len(want))
	}
	link := query(t, o.Path, "SELECT user_id, folder_id, delta_link LIKE '%/users/delta?%deltatoken=%' FROM _outlooksql_delta WHERE resource = 'users'")
	if !reflect.DeepEqual(link, [][]string{{"", "", "1"}}) {
		t.Errorf("users delta link rows = %v, want one with a deltatoken", link)
	}

	// One user leaves the directory, another is renamed.
	var gone, renamed string
	srv.Update(func(tn *fakegraph.Tenant) {
		gone = tn.Users[2].ID
		tn.Users = slices.Delete(tn.Users, 2, 3)
		renamed = tn.Users[1].ID
		tn.Users[1].DisplayName = "Renamed Person"
	})
	srv.ResetRequests()
	s = mustRun(t, o)
	want = tenantUsers(srv)
	if got := query(t, o.Path, "SELECT id, display_name FROM users ORDER BY id"); !reflect.DeepEqual(got, want) {
		t.Fatalf("second round: users = %v, want %v", got, want)
	}
	if got := query(t, o.Path, "SELECT count(*) FROM users WHERE id = ?", gone); got[0][0] != "0" {
		t.Errorf("the removed user %s is still in the file", gone)
	}
	if s.Users != 1 {
		t.Errorf("second round wrote %d users, want 1 (%s renamed)", s.Users, renamed)
	}
	var reqs []string
	for _, r := range srv.Requests() {
		reqs = append(reqs, r.Method+" "+r.Path+" deltatoken="+r.Query.Get("$deltatoken"))
	}
	if len(reqs) != 1 || !strings.HasPrefix(reqs[0], "GET /v1.0/users/delta deltatoken=") || strings.HasSuffix(reqs[0], "=") {
		t.Errorf("second round requests = %q, want one GET /users/delta with its $deltatoken", reqs)
	}
}

func TestUsersFullReadWhenDeltaRefused(t *testing.T) {
	f := mailbox(t) // answers 403 to /users/delta
	o := syncOpts(f, t.TempDir()+"/mail.db")
	o.Tables = []string{"users"}
	for round := range 2 {
		s := mustRun(t, o)
		if !s.UsersFullRead || !strings.Contains(s.String(), "2 users (read whole: Graph refused /users/delta, 403)") {
			t.Errorf("round %d: summary %q, want a full read of 2 users said", round, s)
		}
		got := query(t, o.Path, "SELECT id, display_name FROM users ORDER BY id")
		if want := [][]string{{"user-1", "Ann"}, {"user-2", "Bob"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("round %d: users = %v, want %v", round, got, want)
		}
		if n := query(t, o.Path, "SELECT count(*) FROM _outlooksql_delta WHERE resource = 'users'"); n[0][0] != "0" {
			t.Errorf("round %d: a users delta link was saved after a full read", round)
		}
	}
	var paths []string
	for _, r := range f.requests() {
		paths = append(paths, strings.SplitN(r, "?", 2)[0])
	}
	if want := []string{"/v1.0/users/delta", "/v1.0/users", "/v1.0/users/delta", "/v1.0/users"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("requests = %q, want %q", paths, want)
	}
}

package fakegraph

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// deltaPages follows a delta round from path to its deltaLink and returns
// the items, the deltaLink and the page sizes. Every page must carry
// exactly one of @odata.nextLink and @odata.deltaLink.
func deltaPages(t *testing.T, s *Server, tok, path string, headers ...string) (items []map[string]any, deltaLink string, sizes []int) {
	t.Helper()
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("more than 1000 pages from %s", path)
		}
		r := get(t, s, tok, path, headers...)
		if r.status != 200 {
			t.Fatalf("GET %s: status %d: %s", path, r.status, r.body)
		}
		next, hasNext := r.json["@odata.nextLink"].(string)
		dl, hasDelta := r.json["@odata.deltaLink"].(string)
		if hasNext == hasDelta {
			t.Fatalf("GET %s: page must carry exactly one of nextLink and deltaLink: %s", path, r.body)
		}
		v := r.value()
		items = append(items, v...)
		sizes = append(sizes, len(v))
		if hasDelta {
			return items, dl, sizes
		}
		path = next
	}
}

// folderMessageIDs is the ids of a folder's messages, newest first.
func folderMessageIDs(s *Server, u *User, folderID string) []string {
	var ms []*Message
	for _, m := range userByID(s.Snapshot(), u.ID).Messages {
		if m.ParentFolderID == folderID {
			ms = append(ms, m)
		}
	}
	slices.SortStableFunc(ms, func(a, b *Message) int { return b.ReceivedDateTime.Compare(a.ReceivedDateTime) })
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// userByID finds a user of t.
func userByID(t *Tenant, id string) *User {
	for _, u := range t.Users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func wellKnown(u *User, name string) *Folder {
	for _, f := range u.Folders {
		if f.WellKnownName == name {
			return f
		}
	}
	return nil
}

// split separates removals (ids) from the other items (by id).
func split(items []map[string]any) (removed []string, changed map[string]map[string]any) {
	changed = map[string]map[string]any{}
	for _, it := range items {
		id := it["id"].(string)
		if rm, ok := it["@removed"].(map[string]any); ok {
			if rm["reason"] == nil {
				panic("removal without reason")
			}
			removed = append(removed, id)
			continue
		}
		changed[id] = it
	}
	sort.Strings(removed)
	return removed, changed
}

func sortedKeys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s ...string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func TestMessageDeltaFirstRoundPaging(t *testing.T) {
	s, tok, u := startWritable(t)
	inbox := wellKnown(u, "inbox")
	want := folderMessageIDs(s, u, inbox.ID)
	if len(want) < 12 {
		t.Fatalf("test tenant has only %d inbox messages", len(want))
	}
	base := "/users/" + u.UserPrincipalName + "/mailFolders/inbox/messages/delta?$select=subject,isRead&$top=3"
	linkPrefix := s.URL + "/v1.0/users/" + u.UserPrincipalName + "/mailfolders('" + inbox.ID + "')/messages/delta?"

	t.Run("maxpagesize honoured, $top ignored", func(t *testing.T) {
		r := get(t, s, tok, base, "Prefer", "odata.maxpagesize=4")
		if got := r.header.Get("Preference-Applied"); got != "odata.maxpagesize=4" {
			t.Errorf("Preference-Applied = %q, want odata.maxpagesize=4", got)
		}
		if r.json["@odata.context"] != s.URL+"/v1.0/$metadata#Collection(message)" {
			t.Errorf("@odata.context = %v", r.json["@odata.context"])
		}
		next, _ := r.json["@odata.nextLink"].(string)
		if !strings.HasPrefix(next, linkPrefix+"$skiptoken=") || strings.Contains(next, "$select") {
			t.Errorf("nextLink = %q, want %s$skiptoken=… with no other options", next, linkPrefix)
		}
		items, dl, sizes := deltaPages(t, s, tok, base, "Prefer", "odata.maxpagesize=4")
		if !strings.HasPrefix(dl, linkPrefix+"$deltatoken=") {
			t.Errorf("deltaLink = %q, want %s$deltatoken=…", dl, linkPrefix)
		}
		for i, n := range sizes {
			if i < len(sizes)-1 && n != 4 || i == len(sizes)-1 && (n < 1 || n > 4) {
				t.Fatalf("page sizes %v, want 4 each and a last of 1..4", sizes)
			}
		}
		if got := ids(items); !slices.Equal(got, want) {
			t.Fatalf("ids %v\nwant (newest first) %v", got, want)
		}
		for _, it := range items {
			if got := sorted(keys(it)...); !slices.Equal(got, []string{"@odata.etag", "@odata.type", "id", "isRead", "subject"}) {
				t.Fatalf("item keys %v", got)
			}
			if it["@odata.type"] != "#microsoft.graph.message" {
				t.Fatalf("@odata.type %v", it["@odata.type"])
			}
		}
	})
	t.Run("default page 10 whatever $top", func(t *testing.T) {
		_, _, sizes := deltaPages(t, s, tok, base)
		if sizes[0] != 10 || len(sizes) != (len(want)+9)/10 {
			t.Fatalf("page sizes %v for %d items, want pages of 10", sizes, len(want))
		}
	})
	t.Run("well-known name, id and mailfolders('id') forms", func(t *testing.T) {
		for _, p := range []string{
			"/users/" + u.UserPrincipalName + "/mailFolders/" + inbox.ID + "/messages/delta",
			"/users/" + u.UserPrincipalName + "/mailfolders('" + inbox.ID + "')/messages/delta",
			"/me/mailFolders/Inbox/messages/delta",
		} {
			items, dl, _ := deltaPages(t, s, tok, p, "Prefer", "odata.maxpagesize=50")
			if got := ids(items); !slices.Equal(got, want) {
				t.Errorf("%s: ids %v, want %v", p, got, want)
			}
			if strings.HasPrefix(p, "/me/") && !strings.HasPrefix(dl, s.URL+"/v1.0/me/mailfolders('"+inbox.ID+"')/messages/delta?$deltatoken=") {
				t.Errorf("%s: deltaLink %q keeps /me", p, dl)
			}
		}
	})
	t.Run("no change: empty value and a deltaLink", func(t *testing.T) {
		_, dl, _ := deltaPages(t, s, tok, base)
		s.ResetRequests()
		items, dl2, sizes := deltaPages(t, s, tok, dl, "Prefer", "odata.maxpagesize=4")
		if len(items) != 0 || len(sizes) != 1 || dl2 == "" {
			t.Fatalf("no-change round: %d items in %d pages, deltaLink %q", len(items), len(sizes), dl2)
		}
		reqs := s.Requests()
		if len(reqs) != 1 || reqs[0].Query.Get("$deltatoken") == "" || reqs[0].Status != 200 {
			t.Fatalf("requests %+v, want one GET of the deltaLink", reqs)
		}
	})
}

func TestMessageDeltaAfterWrites(t *testing.T) {
	s, tok, u := startWritable(t)
	inbox, archive := wellKnown(u, "inbox"), wellKnown(u, "archive")
	if archive == nil {
		t.Fatal("no archive folder")
	}
	sel := "?$select=subject,isRead,parentFolderId"
	_, inboxLink, _ := deltaPages(t, s, tok, "/me/mailFolders/inbox/messages/delta"+sel, "Prefer", "odata.maxpagesize=100")
	_, archLink, _ := deltaPages(t, s, tok, "/me/mailFolders/archive/messages/delta"+sel, "Prefer", "odata.maxpagesize=100")

	in := folderMessageIDs(s, u, inbox.ID)
	read, deleted, moved, movedImm := in[0], in[1], in[2], in[3]
	wasRead := userByID(s.Snapshot(), u.ID).Messages
	var before bool
	for _, m := range wasRead {
		if m.ID == read {
			before = m.IsRead
		}
	}
	mustStatus := func(r response, want int) {
		t.Helper()
		if r.status != want {
			t.Fatalf("status %d, want %d: %s", r.status, want, r.body)
		}
	}
	mustStatus(send(t, s, tok, "PATCH", "/me/messages/"+read, `{"isRead":`+map[bool]string{true: "false", false: "true"}[before]+`}`), 200)
	mustStatus(send(t, s, tok, "DELETE", "/me/messages/"+deleted, ""), 204)
	mv := send(t, s, tok, "POST", "/me/messages/"+moved+"/move", `{"destinationId":"archive"}`)
	mustStatus(mv, 201)
	newID := mv.json["id"].(string)
	mustStatus(send(t, s, tok, "POST", "/me/messages/"+movedImm+"/move", `{"destinationId":"archive"}`, "Prefer", `IdType="ImmutableId"`), 201)

	items, inboxLink2, _ := deltaPages(t, s, tok, inboxLink)
	removed, changed := split(items)
	if want := sorted(deleted, moved, movedImm); !slices.Equal(removed, want) {
		t.Errorf("inbox removals %v, want %v", removed, want)
	}
	if got := sortedKeys(changed); !slices.Equal(got, []string{read}) {
		t.Errorf("inbox changes %v, want [%s]", got, read)
	} else if it := changed[read]; it["isRead"] != !before || it["subject"] == nil || it["parentFolderId"] != inbox.ID {
		t.Errorf("updated item %v: want the full selected set with isRead %v", it, !before)
	}
	for _, it := range items {
		if it["@removed"] != nil && (it["@odata.type"] != "#microsoft.graph.message" || len(it) != 3) {
			t.Errorf("removal %v, want @odata.type, id and @removed only", it)
		}
	}
	if strings.Contains(inboxLink2, "$select") {
		t.Errorf("deltaLink %q repeats options: tokens remember them", inboxLink2)
	}

	items, _, _ = deltaPages(t, s, tok, archLink)
	removed, changed = split(items)
	if len(removed) != 0 || !slices.Equal(sortedKeys(changed), sorted(newID, movedImm)) {
		t.Errorf("archive: removals %v, additions %v; want additions %v", removed, sortedKeys(changed), sorted(newID, movedImm))
	}
	for id, it := range changed {
		if it["parentFolderId"] != archive.ID || it["subject"] == nil {
			t.Errorf("archive addition %s: %v", id, it)
		}
	}

	// The round after: nothing more.
	items, _, _ = deltaPages(t, s, tok, inboxLink2)
	if len(items) != 0 {
		t.Errorf("round after the changes returned %v", items)
	}
}

func TestMessageDeltaAfterUpdate(t *testing.T) {
	s, tok, u := startWritable(t)
	inbox, archive := wellKnown(u, "inbox"), wellKnown(u, "archive")
	_, inboxLink, _ := deltaPages(t, s, tok, "/me/mailFolders/inbox/messages/delta?$select=subject,isRead", "Prefer", "odata.maxpagesize=1000")
	_, archLink, _ := deltaPages(t, s, tok, "/me/mailFolders/"+archive.ID+"/messages/delta?$select=subject,isRead")
	in := folderMessageIDs(s, u, inbox.ID)
	flipped, gone, moved, untouchedBody := in[0], in[1], in[2], in[3]
	newID := newMessageID()
	s.Update(func(tn *Tenant) {
		uu := userByID(tn, u.ID)
		for _, m := range uu.Messages {
			switch m.ID {
			case flipped:
				m.IsRead = !m.IsRead // no changeKey bump: still seen
			case moved:
				m.ParentFolderID = archive.ID
			case untouchedBody:
				m.Body.Content += " (edited)" // not selected: not a change of this query
			}
		}
		uu.Messages = slices.DeleteFunc(uu.Messages, func(m *Message) bool { return m.ID == gone })
		nm := CloneMessage(uu.Messages[0])
		nm.ID, nm.ParentFolderID, nm.Subject = newID, inbox.ID, "Arrived by Update"
		nm.ReceivedDateTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		uu.Messages = append(uu.Messages, nm)
	})
	items, _, _ := deltaPages(t, s, tok, inboxLink, "Prefer", "odata.maxpagesize=2")
	removed, changed := split(items)
	if want := sorted(gone, moved); !slices.Equal(removed, want) {
		t.Errorf("removals %v, want %v", removed, want)
	}
	if got, want := sortedKeys(changed), sorted(flipped, newID); !slices.Equal(got, want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	if changed[newID] != nil && changed[newID]["subject"] != "Arrived by Update" {
		t.Errorf("new item %v", changed[newID])
	}
	items, _, _ = deltaPages(t, s, tok, archLink)
	if removed, changed := split(items); len(removed) != 0 || !slices.Equal(sortedKeys(changed), []string{moved}) {
		t.Errorf("archive: removals %v, additions %v; want [%s]", removed, sortedKeys(changed), moved)
	}
}

func TestMessageDeltaOptions(t *testing.T) {
	s, tok, u := startWritable(t)
	inbox := wellKnown(u, "inbox")
	in := folderMessageIDs(s, u, inbox.ID)
	var cutoff time.Time
	for _, m := range userByID(s.Snapshot(), u.ID).Messages {
		if m.ID == in[4] {
			cutoff = m.ReceivedDateTime
		}
	}
	ts := cutoff.Format("2006-01-02T15:04:05Z")
	for _, tc := range []struct {
		query string
		want  []string // ids, or nil for an error
		code  string
	}{
		{"$filter=receivedDateTime+ge+" + ts, in[:5], ""},
		{"$filter=receivedDateTime gt " + ts, in[:4], ""},
		{"$filter=receivedDateTime ge " + ts + "&$orderby=receivedDateTime desc", in[:5], ""},
		{"$filter=isRead eq false", nil, "ErrorInvalidUrlQuery"},
		{"$filter=receivedDateTime le " + ts, nil, "ErrorInvalidUrlQuery"},
		{"$orderby=subject", nil, "ErrorInvalidUrlQuery"},
		{"$search=hello", nil, "BadRequest"},
		{"$select=nosuch", nil, "RequestBroker--ParseUri"},
	} {
		p := "/me/mailFolders/inbox/messages/delta?" + strings.ReplaceAll(tc.query, " ", "%20")
		if tc.want == nil {
			r := get(t, s, tok, p)
			if r.status != 400 || r.errCode() != tc.code {
				t.Errorf("%s: status %d code %q, want 400 %s", tc.query, r.status, r.errCode(), tc.code)
			}
			continue
		}
		items, dl, _ := deltaPages(t, s, tok, p)
		if got := ids(items); !slices.Equal(got, tc.want) {
			t.Errorf("%s: ids %v, want %v", tc.query, got, tc.want)
		}
		// The filter is remembered: an older message edited is not a change.
		s.Update(func(tn *Tenant) {
			for _, m := range userByID(tn, u.ID).Messages {
				if m.ID == in[6] {
					m.Subject += "!"
				}
			}
		})
		if items, _, _ := deltaPages(t, s, tok, dl); len(items) != 0 {
			t.Errorf("%s: next round %v, want nothing (outside the filter)", tc.query, items)
		}
	}
	r := get(t, s, tok, "/me/mailFolders/inbox/messages/delta?$filter=isRead%20eq%20false")
	if !strings.Contains(r.errMessage(), "only a value of 'receivedDateTime ge value' is supported") {
		t.Errorf("bad $filter message %q", r.errMessage())
	}

	// $select and $expand remembered by the token.
	_, dl, _ := deltaPages(t, s, tok, "/me/mailFolders/inbox/messages/delta?$select=isRead&$expand=attachments($select=name)")
	s.Update(func(tn *Tenant) {
		for _, m := range userByID(tn, u.ID).Messages {
			if m.ID == in[0] {
				m.IsRead = !m.IsRead
			}
		}
	})
	items, _, _ := deltaPages(t, s, tok, dl)
	if len(items) != 1 || !slices.Equal(sorted(keys(items[0])...), []string{"@odata.etag", "@odata.type", "attachments", "id", "isRead"}) {
		t.Errorf("round from a $select=isRead token: %v", items)
	}
}

func TestMessageDeltaGone(t *testing.T) {
	s, tok, u := startWritable(t)
	sel := "?$select=subject"
	_, inboxLink, _ := deltaPages(t, s, tok, "/me/mailFolders/inbox/messages/delta"+sel)
	_, archLink, _ := deltaPages(t, s, tok, "/me/mailFolders/archive/messages/delta"+sel)
	_, folderLink, _ := deltaPages(t, s, tok, "/me/mailFolders/delta")
	first := get(t, s, tok, "/me/mailFolders/inbox/messages/delta"+sel, "Prefer", "odata.maxpagesize=2")
	skip := first.json["@odata.nextLink"].(string)

	s.ResetDelta(u.UserPrincipalName, "inbox")
	inbox := wellKnown(u, "inbox")
	for _, link := range []string{inboxLink, skip} {
		r := get(t, s, tok, link)
		loc := r.header.Get("Location")
		if r.status != 410 || r.errCode() != "resyncRequired" {
			t.Fatalf("after ResetDelta: status %d code %q, want 410 resyncRequired", r.status, r.errCode())
		}
		want := s.URL + "/v1.0/me/mailfolders('" + inbox.ID + "')/messages/delta?$select=subject"
		if loc != want {
			t.Errorf("Location %q, want %q", loc, want)
		}
		items, _, _ := deltaPages(t, s, tok, loc, "Prefer", "odata.maxpagesize=100")
		if got := ids(items); !slices.Equal(got, folderMessageIDs(s, u, inbox.ID)) {
			t.Errorf("round from Location: %d items, want the whole folder", len(got))
		}
	}
	if r := get(t, s, tok, archLink); r.status != 200 {
		t.Errorf("archive token after resetting inbox: status %d", r.status)
	}
	if r := get(t, s, tok, folderLink); r.status != 200 {
		t.Errorf("folder token after resetting inbox: status %d", r.status)
	}

	s.ExpireDeltaTokens()
	for _, link := range []string{archLink, folderLink} {
		r := get(t, s, tok, link)
		if r.status != 410 || r.errCode() != "syncStateNotFound" || r.header.Get("Location") == "" {
			t.Errorf("after ExpireDeltaTokens %s: status %d code %q Location %q", link, r.status, r.errCode(), r.header.Get("Location"))
		}
	}
	if r := get(t, s, tok, "/me/mailFolders/delta?$deltatoken=garbage"); r.status != 410 || r.header.Get("Location") != s.URL+"/v1.0/me/mailfolders/delta" {
		t.Errorf("unknown token: status %d Location %q", r.status, r.header.Get("Location"))
	}
	if r := get(t, s, tok, strings.Replace(inboxLink, "mailfolders('"+inbox.ID+"')", "mailFolders/archive", 1)); r.status != 400 && r.status != 410 {
		t.Errorf("inbox token on archive: status %d", r.status)
	}
}

func TestFolderDelta(t *testing.T) {
	s, tok, u := startWritable(t)
	items, dl, _ := deltaPages(t, s, tok, "/me/mailFolders/delta", "Prefer", "odata.maxpagesize=3")
	snap := userByID(s.Snapshot(), u.ID)
	var want []string
	hidden := false
	for _, f := range snap.Folders {
		want = append(want, f.ID)
		hidden = hidden || f.IsHidden
	}
	if !hidden {
		t.Fatal("test tenant has no hidden folder")
	}
	if got := sorted(ids(items)...); !slices.Equal(got, sorted(want...)) {
		t.Fatalf("folder delta ids %v, want every folder %v", got, sorted(want...))
	}
	pos := map[string]int{}
	for i, it := range items {
		pos[it["id"].(string)] = i
		if got := sorted(keys(it)...); !slices.Equal(got, []string{"childFolderCount", "displayName", "id", "isHidden", "parentFolderId", "totalItemCount", "unreadItemCount"}) {
			t.Fatalf("folder keys %v", got)
		}
	}
	for _, it := range items {
		if p, ok := pos[it["parentFolderId"].(string)]; ok && p > pos[it["id"].(string)] {
			t.Errorf("folder %v comes before its parent", it["displayName"])
		}
	}

	must := func(r response, status int) response {
		t.Helper()
		if r.status != status {
			t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
		}
		return r
	}
	created := must(send(t, s, tok, "POST", "/me/mailFolders/inbox/childFolders", `{"displayName":"Reports"}`), 201).json["id"].(string)
	doomed := must(send(t, s, tok, "POST", "/me/mailFolders", `{"displayName":"Doomed"}`), 201).json["id"].(string)
	doomedChild := must(send(t, s, tok, "POST", "/me/mailFolders/"+doomed+"/childFolders", `{"displayName":"Inner"}`), 201).json["id"].(string)
	items, dl, _ = deltaPages(t, s, tok, dl)
	_, changed := split(items)
	for _, id := range []string{created, doomed, doomedChild} {
		if changed[id] == nil {
			t.Errorf("created folder %s missing from %v", id, sortedKeys(changed))
		}
	}
	inbox := wellKnown(u, "inbox")
	if changed[inbox.ID] == nil || changed[inbox.ID]["childFolderCount"] == nil {
		t.Errorf("inbox (its childFolderCount changed) missing from %v", sortedKeys(changed))
	}

	must(send(t, s, tok, "PATCH", "/me/mailFolders/"+created, `{"displayName":"Reports 2025"}`), 200)
	must(send(t, s, tok, "POST", "/me/mailFolders/"+created+"/move", `{"destinationId":"archive"}`), 201)
	must(send(t, s, tok, "DELETE", "/me/mailFolders/"+doomed, ""), 204)
	items, dl, _ = deltaPages(t, s, tok, dl)
	removed, changed := split(items)
	if !slices.Equal(removed, sorted(doomed, doomedChild)) {
		t.Errorf("removed folders %v, want %v", removed, sorted(doomed, doomedChild))
	}
	archive := wellKnown(u, "archive")
	if it := changed[created]; it == nil || it["displayName"] != "Reports 2025" || it["parentFolderId"] != archive.ID {
		t.Errorf("renamed and moved folder: %v", it)
	}
	for _, it := range items {
		if it["@removed"] != nil && it["@odata.type"] != "#microsoft.graph.mailFolder" {
			t.Errorf("folder removal %v", it)
		}
	}

	// Server.Update edits: a rename and a new hidden folder; $select kept.
	_, dl2, _ := deltaPages(t, s, tok, "/me/mailFolders/delta?$select=displayName")
	hid := newFolderID()
	s.Update(func(tn *Tenant) {
		uu := userByID(tn, u.ID)
		for _, f := range uu.Folders {
			if f.ID == created {
				f.DisplayName = "Renamed by Update"
			}
		}
		uu.Folders = append(uu.Folders, &Folder{ID: hid, DisplayName: "Secret", ParentFolderID: uu.RootFolderID, IsHidden: true})
	})
	items, _, _ = deltaPages(t, s, tok, dl2)
	_, changed = split(items)
	if !slices.Equal(sortedKeys(changed), sorted(created, hid)) {
		t.Errorf("after Update: %v, want %v", sortedKeys(changed), sorted(created, hid))
	}

	// A search folder comes typed, so that a client can skip it.
	sf := newFolderID()
	s.Update(func(tn *Tenant) {
		uu := userByID(tn, u.ID)
		uu.Folders = append(uu.Folders, &Folder{ID: sf, DisplayName: "Unread mail", ParentFolderID: uu.RootFolderID, SearchFolder: true})
	})
	items, _, _ = deltaPages(t, s, tok, dl)
	_, typed := split(items)
	if it := typed[sf]; it == nil || it["@odata.type"] != "#microsoft.graph.mailSearchFolder" {
		t.Errorf("search folder in delta: %v", it)
	}
	for id, it := range typed {
		if id != sf && it["@odata.type"] != nil {
			t.Errorf("folder %v typed %v", it["displayName"], it["@odata.type"])
		}
	}
	if it := changed[created]; it != nil && (it["displayName"] != "Renamed by Update" || len(it) != 2) {
		t.Errorf("$select=displayName round: %v", it)
	}
}

func TestUsersDelta(t *testing.T) {
	s, tok, u := startWritable(t)
	items, dl, _ := deltaPages(t, s, tok, "/users/delta?$select=displayName,mail", "Prefer", "odata.maxpagesize=1")
	if len(items) != len(s.Tenant().Users) {
		t.Fatalf("%d users, want %d", len(items), len(s.Tenant().Users))
	}
	if !strings.HasPrefix(dl, s.URL+"/v1.0/users/delta?$deltatoken=") {
		t.Errorf("deltaLink %q", dl)
	}
	other := s.Tenant().Users[1]
	s.Update(func(tn *Tenant) {
		tn.Users[0].DisplayName = "Renamed"
		tn.Users = tn.Users[:1]
	})
	items, _, _ = deltaPages(t, s, tok, dl)
	removed, changed := split(items)
	if !slices.Equal(removed, []string{other.ID}) || !slices.Equal(sortedKeys(changed), []string{u.ID}) || changed[u.ID]["displayName"] != "Renamed" {
		t.Errorf("users round: removed %v changed %v", removed, changed)
	}
	for _, it := range items {
		if rm, ok := it["@removed"].(map[string]any); ok && rm["reason"] != "changed" {
			t.Errorf("user removal %v", it)
		}
	}
}

func TestDeltaCountsAgainstMailbox(t *testing.T) {
	s, tok, u := startWritable(t)
	s.ResetRequests()
	s.SetMailboxConcurrency(0, "")
	deltaPages(t, s, tok, "/me/mailFolders/inbox/messages/delta", "Prefer", "odata.maxpagesize=5")
	n := len(folderMessageIDs(s, u, wellKnown(u, "inbox").ID))
	reqs := s.Requests()
	if len(reqs) != (n+4)/5 {
		t.Errorf("%d requests for %d items at 5 a page", len(reqs), n)
	}
	for i, r := range reqs {
		if !strings.HasSuffix(r.Path, "/messages/delta") {
			t.Errorf("logged path %q", r.Path)
		}
		if q, _ := url.ParseQuery(r.RawQuery); i > 0 && q.Get("$skiptoken") == "" {
			t.Errorf("later page without $skiptoken: %q", r.RawQuery)
		}
	}
}

// TestDeltaConcurrent runs rounds of several folders side by side with
// writes and expiries (meant for -race): every round ends in a deltaLink
// or a 410 with a Location.
func TestDeltaConcurrent(t *testing.T) {
	s, tok, u := startWritable(t)
	s.SetMailboxConcurrency(0, "")
	folders := []string{"inbox", "archive", "sentitems", "drafts"}
	links := make([]string, len(folders))
	for i, f := range folders {
		_, links[i], _ = deltaPages(t, s, tok, "/me/mailFolders/"+f+"/messages/delta", "Prefer", "odata.maxpagesize=3")
	}
	done := make(chan string, len(folders))
	for i := range folders {
		go func(link string) {
			for range 5 {
				r := get(t, s, tok, link, "Prefer", "odata.maxpagesize=3")
				switch r.status {
				case 200:
					if next, ok := r.json["@odata.nextLink"].(string); ok {
						link = next
					} else {
						link = r.json["@odata.deltaLink"].(string)
					}
				case 410:
					link = r.header.Get("Location")
				default:
					done <- string(r.body)
					return
				}
			}
			done <- ""
		}(links[i])
	}
	inbox := wellKnown(u, "inbox")
	for i := range 5 {
		s.Update(func(tn *Tenant) {
			for _, m := range userByID(tn, u.ID).Messages {
				if m.ParentFolderID == inbox.ID {
					m.IsRead = !m.IsRead
					break
				}
			}
		})
		if i == 2 {
			s.ExpireDeltaTokens()
		}
	}
	for range folders {
		if msg := <-done; msg != "" {
			t.Errorf("unexpected answer: %s", msg)
		}
	}
}

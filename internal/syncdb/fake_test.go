package syncdb

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeDelta is a small Graph mailbox serving mailFolders/delta and
// messages/delta with Graph's shapes: odata.maxpagesize paging by
// $skiptoken, $deltatoken rounds with @removed, links in the
// mailfolders('id') form, and 410 Gone with a Location.
type fakeDelta struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	ver     int
	folders map[string]*fakeFolder
	msgs    map[string]*fakeMsg
	events  []fakeEvent         // message changes: (version, folder, id)
	fevents []fakeEvent         // folder changes: (version, "", id)
	snaps   map[string][]string // $skiptoken → the round's remaining items, then the deltatoken
	gone    map[string]bool     // folders whose delta links answer 410
	fail    map[string]string   // folder → "all" or "page2": those requests answer 500
	reqs    []string
}

type fakeFolder struct {
	id, name, parent string
	search, hidden   bool
}

type fakeMsg struct {
	id, folder, subject, from, body string
	read                            bool
	ver                             int
}

type fakeEvent struct {
	ver        int
	folder, id string
}

func newFakeDelta(t *testing.T) *fakeDelta {
	f := &fakeDelta{t: t, folders: map[string]*fakeFolder{}, msgs: map[string]*fakeMsg{},
		snaps: map[string][]string{}, gone: map[string]bool{}, fail: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDelta) folder(id, name, parent string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ver++
	f.folders[id] = &fakeFolder{id: id, name: name, parent: parent}
	f.fevents = append(f.fevents, fakeEvent{f.ver, "", id})
}

func (f *fakeDelta) deleteFolder(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ver++
	delete(f.folders, id)
	f.fevents = append(f.fevents, fakeEvent{f.ver, "", id})
}

// put adds or changes a message (a change of folder is a move).
func (f *fakeDelta) put(id, folder, subject string, read bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ver++
	m := f.msgs[id]
	if m == nil {
		m = &fakeMsg{id: id, from: "ann@contoso.com", body: "the body of " + id}
		f.msgs[id] = m
	} else if m.folder != folder {
		f.events = append(f.events, fakeEvent{f.ver, m.folder, id})
	}
	m.folder, m.subject, m.read, m.ver = folder, subject, read, f.ver
	f.events = append(f.events, fakeEvent{f.ver, folder, id})
}

// remove deletes a message; silent leaves no delta event (only a full
// round learns of it).
func (f *fakeDelta) remove(id string, silent bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ver++
	if m := f.msgs[id]; m != nil && !silent {
		f.events = append(f.events, fakeEvent{f.ver, m.folder, id})
	}
	delete(f.msgs, id)
}

func (f *fakeDelta) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.reqs
	f.reqs = nil
	return out
}

var (
	reFolderDelta = regexp.MustCompile(`^/v1.0/me/mail[fF]olders/delta$`)
	reMsgDelta    = regexp.MustCompile(`^/v1.0/me/mail[fF]olders(?:/([^/]+)|\('([^']+)'\))/messages/delta$`)
)

func (f *fakeDelta) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	uri, _ := url.PathUnescape(r.URL.RequestURI())
	f.reqs = append(f.reqs, uri)
	q := r.URL.Query()
	page := 10
	if m := regexp.MustCompile(`odata.maxpagesize=(\d+)`).FindStringSubmatch(r.Header.Get("Prefer")); m != nil {
		page, _ = strconv.Atoi(m[1])
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/v1.0/me":
		fmt.Fprint(w, `{"id":"user-1"}`)
	case r.URL.Path == "/v1.0/users/delta": // a token without the permission delta needs
		http.Error(w, `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`, http.StatusForbidden)
	case r.URL.Path == "/v1.0/users":
		fmt.Fprint(w, `{"value":[{"id":"user-1","displayName":"Ann","mail":"ann@contoso.com","businessPhones":[]},{"id":"user-2","displayName":"Bob","mail":"bob@contoso.com","businessPhones":["+1 555"]}]}`)
	case reFolderDelta.MatchString(r.URL.Path):
		f.round(w, q, page, "/v1.0/me/mailfolders/delta", "", "", func(since int) []string {
			var items []string
			for _, id := range f.changed(f.fevents, "", since) {
				if fo := f.folders[id]; fo != nil {
					items = append(items, f.folderJSON(fo))
				} else {
					items = append(items, fmt.Sprintf(`{"id":%q,"@removed":{"reason":"deleted"}}`, id))
				}
			}
			return items
		})
	case reMsgDelta.MatchString(r.URL.Path):
		m := reMsgDelta.FindStringSubmatch(r.URL.Path)
		folder := m[1] + m[2]
		switch f.fail[folder] {
		case "all":
			http.Error(w, `{"error":{"code":"ServiceUnavailable","message":"injected"}}`, http.StatusInternalServerError)
			return
		case "page2":
			if q.Get("$skiptoken") != "" {
				http.Error(w, `{"error":{"code":"ServiceUnavailable","message":"injected"}}`, http.StatusInternalServerError)
				return
			}
		}
		if q.Get("$deltatoken") != "" && f.gone[folder] {
			delete(f.gone, folder)
			w.Header().Set("Location", f.srv.URL+"/v1.0/me/mailFolders/"+folder+"/messages/delta?$select="+url.QueryEscape(strings.Split(q.Get("$deltatoken"), ":")[1])+"&reset=1")
			w.WriteHeader(http.StatusGone)
			fmt.Fprint(w, `{"error":{"code":"SyncStateNotFound","message":"The sync state is not found."}}`)
			return
		}
		sel := q.Get("$select")
		link := fmt.Sprintf("/v1.0/me/mailfolders('%s')/messages/delta", folder)
		f.round(w, q, page, link, folder, sel, func(since int) []string {
			var items []string
			for _, id := range f.changed(f.events, folder, since) {
				if m := f.msgs[id]; m != nil && m.folder == folder {
					items = append(items, f.msgJSON(m, sel))
				} else {
					items = append(items, fmt.Sprintf(`{"@odata.type":"#microsoft.graph.message","id":%q,"@removed":{"reason":"deleted"}}`, id))
				}
			}
			return items
		})
	default:
		http.Error(w, `{"error":{"code":"NotFound","message":"not faked"}}`, http.StatusNotFound)
	}
}

// changed lists the ids with events in folder after version since, in
// order of their last event; since < 0 lists every current item (an
// initial round).
func (f *fakeDelta) changed(events []fakeEvent, folder string, since int) []string {
	var ids []string
	if since < 0 {
		if folder == "" {
			for id := range f.folders {
				ids = append(ids, id)
			}
		} else {
			for id, m := range f.msgs {
				if m.folder == folder {
					ids = append(ids, id)
				}
			}
		}
		slices.Sort(ids)
		return ids
	}
	for _, e := range events {
		if e.ver > since && e.folder == folder {
			ids = slices.DeleteFunc(ids, func(s string) bool { return s == e.id })
			ids = append(ids, e.id)
		}
	}
	return ids
}

// round answers one page: an initial or delta request computes the
// round's items, then pages of them follow by $skiptoken.
func (f *fakeDelta) round(w http.ResponseWriter, q url.Values, page int, link, folder, sel string, items func(since int) []string) {
	var rest []string
	switch {
	case q.Get("$skiptoken") != "":
		rest = f.snaps[q.Get("$skiptoken")]
		if rest == nil {
			http.Error(w, `{"error":{"code":"BadSkipToken"}}`, http.StatusBadRequest)
			return
		}
	case q.Get("$deltatoken") != "":
		parts := strings.SplitN(q.Get("$deltatoken"), ":", 2)
		since, _ := strconv.Atoi(parts[0])
		sel = parts[1]
		rest = append(items(since), fmt.Sprintf("%d:%s", f.ver, sel))
	default:
		rest = append(items(-1), fmt.Sprintf("%d:%s", f.ver, sel))
	}
	n := min(page, len(rest)-1)
	body := map[string]any{"value": json.RawMessage("[" + strings.Join(rest[:n], ",") + "]")}
	if n < len(rest)-1 {
		tok := strconv.Itoa(len(f.snaps) + 1)
		f.snaps[tok] = rest[n:]
		body["@odata.nextLink"] = f.srv.URL + link + "?$skiptoken=" + tok
	} else {
		body["@odata.deltaLink"] = f.srv.URL + link + "?$deltatoken=" + url.QueryEscape(rest[n])
	}
	json.NewEncoder(w).Encode(body)
}

func (f *fakeDelta) folderJSON(fo *fakeFolder) string {
	typ := "#microsoft.graph.mailFolder"
	if fo.search {
		typ = "#microsoft.graph.mailSearchFolder"
	}
	b, _ := json.Marshal(map[string]any{"@odata.type": typ, "id": fo.id, "displayName": fo.name, "parentFolderId": fo.parent,
		"childFolderCount": 0, "unreadItemCount": 0, "totalItemCount": 0, "isHidden": fo.hidden})
	return string(b)
}

func (f *fakeDelta) msgJSON(m *fakeMsg, sel string) string {
	item := map[string]any{"@odata.type": "#microsoft.graph.message", "id": m.id, "subject": m.subject, "isRead": m.read,
		"parentFolderId": m.folder, "bodyPreview": m.body,
		"from":                 map[string]any{"emailAddress": map[string]any{"name": "Ann", "address": m.from}},
		"toRecipients":         []any{map[string]any{"emailAddress": map[string]any{"name": "Bob", "address": "bob@contoso.com"}}},
		"lastModifiedDateTime": fmt.Sprintf("2024-03-01T09:%02d:%02dZ", m.ver/60, m.ver%60),
		"changeKey":            fmt.Sprintf("ck%d", m.ver)}
	if slices.Contains(strings.Split(sel, ","), "body") {
		item["body"] = map[string]any{"contentType": "text", "content": m.body}
	}
	b, _ := json.Marshal(item)
	return string(b)
}

// state is what the file's messages should hold: id, subject, is_read,
// parent_folder_id of every message, by id.
func (f *fakeDelta) state() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]string
	for _, m := range f.msgs {
		read := "0"
		if m.read {
			read = "1"
		}
		out = append(out, []string{m.id, m.subject, read, m.folder})
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	return out
}

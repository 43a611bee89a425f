package fakegraph

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func esc(s string) string { return url.QueryEscape(s) }

func TestRejections(t *testing.T) {
	s, tok := startDemo(t)
	app := s.IssueAppToken()
	userOnly := s.IssueAccessToken(adele, "User.Read")
	noShared := s.IssueAccessToken(adele, "Mail.Read", "User.ReadBasic.All")
	d := sharedDemo()
	msgs := d.Users[0].Messages
	ref := msgs[7].Attachments[0] // a reference attachment
	if ref.Kind != "reference" {
		t.Fatalf("demo message 7's attachment is %s, want reference", ref.Kind)
	}
	missingID := base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 44))
	cases := []struct {
		name    string
		tok     string
		path    string
		headers []string
		status  int
		code    string
	}{
		{"top over 1000", tok, "/me/messages?$top=1001", nil, 400, "BadRequest"},
		{"top 0", tok, "/me/messages?$top=0", nil, 400, "BadRequest"},
		{"top not a number", tok, "/me/messages?$top=ten", nil, 400, "BadRequest"},
		{"repeated option", tok, "/me/messages?$top=5&$top=6", nil, 400, "BadRequest"},
		{"repeated option, other case", tok, "/me/messages?$filter=isRead+eq+true&$Filter=isRead+eq+false", nil, 400, "BadRequest"},
		{"unknown system option", tok, "/me/messages?$frobnicate=1", nil, 400, "BadRequest"},
		{"search with filter", tok, "/me/messages?$search=%22pizza%22&$filter=isRead+eq+true", nil, 400, "SearchWithFilter"},
		{"search with orderby", tok, "/me/messages?$search=%22pizza%22&$orderby=subject", nil, 400, "SearchWithOrderBy"},
		{"search unquoted", tok, "/me/messages?$search=pizza", nil, 400, "BadRequest"},
		{"endswith", tok, "/me/messages?$filter=" + esc("endswith(subject,'x')"), nil, 400, "ErrorInvalidUrlQueryFilter"},
		{"recipients any", tok, "/me/messages?$filter=" + esc("toRecipients/any(r:r/emailAddress/address eq 'a@b.com')"), nil, 400, "ErrorInvalidUrlQueryFilter"},
		{"in operator", tok, "/me/messages?$filter=" + esc("importance in ('high','low')"), nil, 400, "ErrorInvalidUrlQueryFilter"},
		{"body filter", tok, "/me/mailFolders/inbox/messages?$filter=" + esc("contains(body/content,'x')"), nil, 400, "ErrorInvalidUrlQueryFilter"},
		{"quoted date", tok, "/me/messages?$filter=" + esc("receivedDateTime ge '2024-01-01T00:00:00Z'"), nil, 400, "BadRequest"},
		{"unknown property", tok, "/me/messages?$filter=" + esc("isJunk eq true"), nil, 400, "RequestBroker--ParseUri"},
		{"inefficient filter", tok, "/me/messages?$filter=" + esc("isRead eq false") + "&$orderby=" + esc("receivedDateTime desc"), nil, 400, "InefficientFilter"},
		{"unknown select", tok, "/me/messages?$select=subject,isJunk", nil, 400, "RequestBroker--ParseUri"},
		{"unknown orderby", tok, "/me/messages?$orderby=isJunk", nil, 400, "RequestBroker--ParseUri"},
		{"unknown expand", tok, "/me/messages?$expand=photos", nil, 400, "RequestBroker--ParseUri"},
		{"missing message", tok, "/me/messages/" + missingID, nil, 404, "ErrorItemNotFound"},
		{"malformed message id", tok, "/me/messages/abc", nil, 400, "ErrorInvalidIdMalformed"},
		{"message id differs in case", tok, "/me/messages/" + strings.ToLower(msgs[4].ID), nil, 404, "ErrorItemNotFound"},
		{"malformed folder id", tok, "/me/mailFolders/notafolder/messages", nil, 400, "ErrorInvalidIdMalformed"},
		{"absent well-known folder", tok, "/me/mailFolders/clutter", nil, 404, "ErrorItemNotFound"},
		{"unknown mailbox", app, "/users/nobody@contoso.onmicrosoft.com/messages", nil, 404, "ErrorNonExistentMailbox"},
		{"user without mailbox", app, "/users/build.service@contoso.onmicrosoft.com/messages", nil, 404, "MailboxNotEnabledForRESTAPI"},
		{"unknown user", app, "/users/nobody@contoso.onmicrosoft.com", nil, 404, "Request_ResourceNotFound"},
		{"me with app token", app, "/me", nil, 400, "BadRequest"},
		{"me messages with app token", app, "/me/messages", nil, 400, "BadRequest"},
		{"no token", "", "/me/messages", nil, 401, "InvalidAuthenticationToken"},
		{"unknown token", "eyJ0.eyJ0.c2ln", "/me/messages", nil, 401, "InvalidAuthenticationToken"},
		{"garbage token", "garbage", "/me", nil, 401, "InvalidAuthenticationToken"},
		{"users skip", tok, "/users?$skip=1", nil, 400, "Request_BadRequest"},
		{"users top over 999", tok, "/users?$top=1000", nil, 400, "Request_BadRequest"},
		{"users endswith without AQ", tok, "/users?$filter=" + esc("endswith(mail,'contoso.onmicrosoft.com')"), nil, 400, "Request_UnsupportedQuery"},
		{"users endswith with header only", tok, "/users?$filter=" + esc("endswith(mail,'contoso.onmicrosoft.com')"), []string{"ConsistencyLevel", "eventual"}, 400, "Request_UnsupportedQuery"},
		{"users endswith with count only", tok, "/users?$count=true&$filter=" + esc("endswith(mail,'contoso.onmicrosoft.com')"), nil, 400, "Request_UnsupportedQuery"},
		{"users ne", tok, "/users?$filter=" + esc("displayName ne 'x'"), nil, 400, "Request_UnsupportedQuery"},
		{"users null", tok, "/users?$filter=" + esc("jobTitle eq null"), nil, 400, "Request_UnsupportedQuery"},
		{"users not", tok, "/users?$filter=" + esc("not(startswith(displayName,'A'))"), nil, 400, "Request_UnsupportedQuery"},
		{"users AQ-only property", tok, "/users?$filter=" + esc("officeLocation eq 'Tokyo'"), nil, 400, "Request_UnsupportedQuery"},
		{"users contains", tok, "/users?$count=true&$filter=" + esc("contains(displayName,'a')"), []string{"ConsistencyLevel", "eventual"}, 400, "Request_UnsupportedQuery"},
		{"users endswith on displayName", tok, "/users?$count=true&$filter=" + esc("endswith(displayName,'a')"), []string{"ConsistencyLevel", "eventual"}, 400, "Request_UnsupportedQuery"},
		{"users filter and orderby", tok, "/users?$filter=" + esc("startswith(displayName,'A')") + "&$orderby=displayName", nil, 400, "Request_UnsupportedQuery"},
		{"users orderby other property", tok, "/users?$orderby=department", nil, 400, "Request_UnsupportedQuery"},
		{"users unknown property", tok, "/users?$filter=" + esc("shoeSize eq 'x'"), nil, 400, "Request_BadRequest"},
		{"users id range", tok, "/users?$count=true&$filter=" + esc("id ge 'a'"), []string{"ConsistencyLevel", "eventual"}, 400, "Request_UnsupportedQuery"},
		{"users search without header", tok, "/users?$search=" + esc(`"displayName:ad"`), nil, 400, "Request_UnsupportedQuery"},
		{"users count without header", tok, "/users/$count", nil, 400, "Request_BadRequest"},
		{"reference attachment value", tok, "/me/messages/" + msgs[7].ID + "/attachments/" + ref.ID + "/$value", nil, 405, "ErrorInvalidRequest"},
		{"unknown segment", tok, "/me/frobs", nil, 400, "BadRequest"},
		{"mail without Mail scopes", userOnly, "/me/messages", nil, 403, "ErrorAccessDenied"},
		{"users without directory scope", userOnly, "/users", nil, 403, "Authorization_RequestDenied"},
		{"other mailbox without Shared", noShared, "/users/ZoeM@contoso.onmicrosoft.com/messages", nil, 403, "ErrorAccessDenied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, s, c.tok, c.path, c.headers...)
			if r.status != c.status || r.errCode() != c.code {
				t.Fatalf("GET %s: got %d %s, want %d %s\n%s", c.path, r.status, r.errCode(), c.status, c.code, r.body)
			}
			e := r.json["error"].(map[string]any)
			inner, _ := e["innerError"].(map[string]any)
			if inner["request-id"] == "" || inner["request-id"] != r.header.Get("request-id") || inner["date"] == nil {
				t.Errorf("innerError %v does not match request-id header %q", inner, r.header.Get("request-id"))
			}
			if msg, _ := e["message"].(string); msg == "" && c.status != 504 {
				t.Errorf("empty error message")
			}
			if c.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
				t.Errorf("401 without WWW-Authenticate: %v", r.header)
			}
		})
	}
	// The app-only /me message is Graph's own.
	r := get(t, s, app, "/me")
	if got := r.json["error"].(map[string]any)["message"]; got != "/me request is only valid with delegated authentication flow." {
		t.Errorf("/me with app token: message %q", got)
	}
}

func TestOtherMailboxWithShared(t *testing.T) {
	s, tok := startDemo(t)
	for _, p := range []string{"/users/ZoeM@contoso.onmicrosoft.com/messages?$top=1", "/users('ZOEM@contoso.onmicrosoft.com')/mailFolders/INBOX/messages?$top=1",
		"/users/" + sharedDemo().Users[2].ID + "/mailFolders"} {
		if r := get(t, s, tok, p); r.status != 200 {
			t.Errorf("GET %s: %d %s", p, r.status, r.body)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s, tok := startDemo(t)
	req, _ := http.NewRequest("DELETE", s.GraphURL()+"/me/messages", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("DELETE: %d, want 405", resp.StatusCode)
	}
}

// modelIDs lists message ids of a user in the fake's order for a filter
// function, newest received first.
func modelIDs(u *User, keep func(*Message) bool) []string {
	var ms []*Message
	for _, m := range u.Messages {
		if keep(m) {
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

func TestPagingYieldsEveryRowOnce(t *testing.T) {
	s, tok := startDemo(t)
	u := sharedDemo().Users[0]
	inbox := u.Folders[4]
	if inbox.WellKnownName != "inbox" {
		t.Fatal("folder 4 is not the inbox")
	}
	cases := []struct {
		path string
		keep func(*Message) bool
	}{
		{"/me/messages?$select=id", func(*Message) bool { return true }},
		{"/me/messages?$select=id&$top=7", func(*Message) bool { return true }},
		{"/me/messages?$select=id&$top=1000", func(*Message) bool { return true }},
		{"/me/messages?$select=id&$top=100&$skip=50", nil},
		{"/me/mailFolders/Inbox/messages?$select=id,subject&$top=33", func(m *Message) bool { return m.ParentFolderID == inbox.ID }},
		{"/users/" + url.PathEscape(u.UserPrincipalName) + "/mailFolders/" + url.PathEscape(inbox.ID) + "/messages?$top=50&$count=true",
			func(m *Message) bool { return m.ParentFolderID == inbox.ID }},
		{"/me/messages?$top=25&$filter=" + esc("receivedDateTime ge 2024-06-01T00:00:00Z and isRead eq false") + "&$orderby=" + esc("receivedDateTime desc"),
			func(m *Message) bool {
				return !m.ReceivedDateTime.Before(mustTime("2024-06-01T00:00:00Z")) && !m.IsRead
			}},
	}
	for _, c := range cases {
		got := ids(all(t, s, tok, c.path))
		var want []string
		if c.keep == nil {
			want = modelIDs(u, func(*Message) bool { return true })[50:]
		} else {
			want = modelIDs(u, c.keep)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %d ids, want %d (in order)", c.path, len(got), len(want))
		}
		seen := map[string]bool{}
		for _, id := range got {
			if seen[id] {
				t.Errorf("%s: id %s twice", c.path, id)
			}
			seen[id] = true
		}
	}
}

func TestNextLinkShape(t *testing.T) {
	s, tok := startDemo(t)
	r := get(t, s, tok, "/me/mailFolders/inbox/messages?$filter=isRead+eq+true&$select=isRead&$count=true")
	next, _ := r.json["@odata.nextLink"].(string)
	want := s.URL + "/v1.0/me/mailFolders/inbox/messages?$filter=isRead+eq+true&$select=isRead&$count=true&$skip=10"
	if next != want {
		t.Errorf("nextLink\n got %s\nwant %s", next, want)
	}
	if len(r.value()) != 10 {
		t.Errorf("default page has %d items, want 10", len(r.value()))
	}
	if _, ok := r.json["@odata.count"].(float64); !ok {
		t.Errorf("no @odata.count with $count=true")
	}
	r2 := get(t, s, tok, next)
	if n, _ := r2.json["@odata.nextLink"].(string); !strings.HasSuffix(n, "&$skip=20") {
		t.Errorf("second nextLink %s", n)
	}
	last := get(t, s, tok, "/me/messages?$top=1000&$skip=899&$select=id")
	if _, ok := last.json["@odata.nextLink"]; ok || len(last.value()) != 1 {
		t.Errorf("last page: %d items, nextLink %v", len(last.value()), last.json["@odata.nextLink"])
	}
}

func mustTime(s string) time.Time {
	t, err := parseDateTimeOffset(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestMessageSelect(t *testing.T) {
	s, tok := startDemo(t)
	u := sharedDemo().Users[0]
	m := u.Messages[4]
	full := get(t, s, tok, "/me/messages/"+m.ID)
	for _, k := range []string{"@odata.context", "@odata.etag", "id", "subject", "body", "bodyPreview", "from", "toRecipients", "flag", "categories", "receivedDateTime", "webLink"} {
		if _, ok := full.json[k]; !ok {
			t.Errorf("default message lacks %s", k)
		}
	}
	for _, k := range []string{"uniqueBody", "internetMessageHeaders"} {
		if _, ok := full.json[k]; ok {
			t.Errorf("default message has %s", k)
		}
	}
	if full.json["@odata.etag"] != `W/"`+m.ChangeKey+`"` {
		t.Errorf("etag %v", full.json["@odata.etag"])
	}
	if ctx := full.json["@odata.context"].(string); !strings.HasSuffix(ctx, "/v1.0/$metadata#users('"+u.ID+"')/messages/$entity") {
		t.Errorf("context %s", ctx)
	}
	sel := get(t, s, tok, "/me/messages/"+m.ID+"?$select=subject")
	got := keys(sel.json)
	sort.Strings(got)
	if want := []string{"@odata.context", "@odata.etag", "id", "subject"}; !slices.Equal(got, want) {
		t.Errorf("$select=subject keys %v, want %v", got, want)
	}
	sel2 := get(t, s, tok, "/me/messages/"+m.ID+"?$select=uniqueBody,internetMessageHeaders")
	if _, ok := sel2.json["uniqueBody"].(map[string]any); !ok {
		t.Errorf("selected uniqueBody missing: %s", sel2.body)
	}
	if hs, ok := sel2.json["internetMessageHeaders"].([]any); !ok || len(hs) != len(m.InternetMessageHeaders) {
		t.Errorf("selected internetMessageHeaders: %v", sel2.json["internetMessageHeaders"])
	}
	list := get(t, s, tok, "/me/messages?$select=sender,subject&$top=3")
	if ctx := list.json["@odata.context"].(string); !strings.HasSuffix(ctx, "/messages(sender,subject)") {
		t.Errorf("list context %s", ctx)
	}
	for _, it := range list.value() {
		k := keys(it)
		sort.Strings(k)
		if !slices.Equal(k, []string{"@odata.etag", "id", "sender", "subject"}) && !slices.Equal(k, []string{"@odata.etag", "id", "subject"}) {
			t.Errorf("list item keys %v", k)
		}
	}
}

func TestPreferTextBody(t *testing.T) {
	s, tok := startDemo(t)
	m := sharedDemo().Users[0].Messages[0]
	r := get(t, s, tok, "/me/messages/"+m.ID+"?$select=body,uniqueBody", "Prefer", `outlook.body-content-type="text"`, "Prefer", `IdType="ImmutableId"`)
	body := r.json["body"].(map[string]any)
	if body["contentType"] != "text" || strings.Contains(body["content"].(string), "<") || body["content"] != htmlToText(m.Body.Content) {
		t.Errorf("text body: %v", body)
	}
	if ub := r.json["uniqueBody"].(map[string]any); ub["contentType"] != "text" {
		t.Errorf("uniqueBody %v", ub)
	}
	if got := r.header.Get("Preference-Applied"); got != `outlook.body-content-type="text",IdType="ImmutableId"` {
		t.Errorf("Preference-Applied %q", got)
	}
	h := get(t, s, tok, "/me/messages/"+m.ID+"?$select=body")
	if b := h.json["body"].(map[string]any); b["contentType"] != "html" || b["content"] != m.Body.Content {
		t.Errorf("html body %v", b)
	}
	if h.header.Get("Preference-Applied") != "" {
		t.Errorf("Preference-Applied without Prefer")
	}
}

func TestFolders(t *testing.T) {
	s, tok := startDemo(t)
	u := sharedDemo().Users[0]
	top := all(t, s, tok, "/me/mailFolders")
	topHidden := all(t, s, tok, "/me/mailFolders?includeHiddenFolders=true")
	if len(top) != 11 || len(topHidden) != 12 {
		t.Errorf("top-level folders: %d visible, %d with hidden; want 11, 12", len(top), len(topHidden))
	}
	first := get(t, s, tok, "/me/mailFolders")
	if len(first.value()) != 10 || !strings.HasSuffix(first.json["@odata.nextLink"].(string), "/v1.0/me/mailFolders?$skip=10") {
		t.Errorf("first folder page: %d items, next %v", len(first.value()), first.json["@odata.nextLink"])
	}
	for _, f := range top {
		if f["parentFolderId"] != u.RootFolderID || f["isHidden"] != false {
			t.Errorf("top-level folder %v", f)
		}
	}
	archive := get(t, s, tok, "/me/mailFolders/ARCHIVE")
	if archive.json["displayName"] != "Archive" || archive.json["childFolderCount"] != 12.0 {
		t.Errorf("archive %s", archive.body)
	}
	kids := all(t, s, tok, "/me/mailFolders/archive/childFolders?$top=5")
	if len(kids) != 12 {
		t.Errorf("archive children %d, want 12", len(kids))
	}
	sel := get(t, s, tok, "/me/mailFolders/inbox?$select=displayName")
	if k := keys(sel.json); len(k) != 3 {
		t.Errorf("folder $select keys %v", k)
	}
	f := get(t, s, tok, "/me/mailFolders?$filter="+esc("displayName eq 'inbox'"))
	if v := f.value(); len(v) != 1 || v[0]["displayName"] != "Inbox" {
		t.Errorf("folder filter: %s", f.body)
	}
	nested := get(t, s, tok, "/me/mailFolders/inbox/childFolders/"+u.Folders[13].ID+"/childFolders")
	if len(nested.value()) != 2 {
		t.Errorf("Inbox/Projects children: %s", nested.body)
	}
}

func TestAttachments(t *testing.T) {
	s, tok := startDemo(t)
	u := sharedDemo().Users[0]
	kinds := map[string]bool{}
	for i := 4; i <= 8; i++ {
		m := u.Messages[i]
		list := all(t, s, tok, "/me/messages/"+m.ID+"/attachments?$filter="+esc("name eq 'nothing'"))
		if len(list) != len(m.Attachments) {
			t.Fatalf("message %d: %d attachments listed, want %d ($filter is ignored)", i, len(list), len(m.Attachments))
		}
		for j, a := range m.Attachments {
			it := list[j]
			kinds[a.Kind] = true
			if it["@odata.type"] != "#microsoft.graph."+a.Kind+"Attachment" || it["id"] != a.ID || it["name"] != a.Name || it["size"] != float64(a.Size) {
				t.Errorf("attachment %v vs model %+v", it, a)
			}
			cb, hasBytes := it["contentBytes"].(string)
			switch {
			case a.Kind != "file" && hasBytes:
				t.Errorf("%s attachment has contentBytes", a.Kind)
			case a.Kind == "file" && len(a.Content) > MaxInlineContent && hasBytes:
				t.Errorf("large attachment listed with contentBytes")
			case a.Kind == "file" && len(a.Content) <= MaxInlineContent && cb != base64.StdEncoding.EncodeToString(a.Content):
				t.Errorf("contentBytes differ")
			}
			val := get(t, s, tok, "/me/messages/"+m.ID+"/attachments/"+a.ID+"/$value")
			switch a.Kind {
			case "reference":
				if val.status != 405 {
					t.Errorf("reference $value: %d", val.status)
				}
			default:
				if val.status != 200 || !bytes.Equal(val.body, a.Content) {
					t.Errorf("%s $value: %d, %d bytes, want %d", a.Kind, val.status, len(val.body), len(a.Content))
				}
			}
			if a.Kind == "file" && val.header.Get("Content-Type") != a.ContentType {
				t.Errorf("$value content type %q, want %q", val.header.Get("Content-Type"), a.ContentType)
			}
			one := get(t, s, tok, "/me/messages/"+m.ID+"/attachments/"+a.ID)
			if a.Kind == "file" && one.json["contentBytes"] != base64.StdEncoding.EncodeToString(a.Content) {
				t.Errorf("single GET of a file attachment lacks its contentBytes")
			}
		}
	}
	if len(kinds) != 3 {
		t.Errorf("kinds seen %v", kinds)
	}
	inline := u.Messages[5]
	sel := get(t, s, tok, "/me/messages/"+inline.ID+"/attachments?$select=name,microsoft.graph.fileAttachment/contentId")
	it := sel.value()[0]
	if it["contentId"] != inline.Attachments[0].ContentID || it["isInline"] != nil || it["contentBytes"] != nil {
		t.Errorf("cast select: %v", it)
	}
	if r := get(t, s, tok, "/me/messages/"+inline.ID+"/attachments?$select=contentId"); r.errCode() != "RequestBroker--ParseUri" {
		t.Errorf("uncast contentId select: %d %s", r.status, r.body)
	}
	big := u.Messages[8]
	exp := get(t, s, tok, "/me/messages/"+big.ID+"?$select=subject&$expand=attachments")
	atts := exp.json["attachments"].([]any)
	if len(atts) != len(big.Attachments) {
		t.Fatalf("expanded %d attachments", len(atts))
	}
	if _, ok := atts[0].(map[string]any)["contentBytes"]; ok {
		t.Errorf("expanded large attachment has contentBytes")
	}
	exp2 := get(t, s, tok, "/me/messages?$top=20&$select=hasAttachments&$expand="+esc("attachments($select=name,size)"))
	for _, m := range exp2.value() {
		for _, a := range m["attachments"].([]any) {
			k := keys(a.(map[string]any))
			sort.Strings(k)
			if !slices.Equal(k, []string{"@odata.type", "id", "name", "size"}) {
				t.Errorf("expand select keys %v", k)
			}
		}
	}
	item := u.Messages[6]
	ia := get(t, s, tok, "/me/messages/"+item.ID+"/attachments/"+item.Attachments[0].ID+"?$expand=microsoft.graph.itemattachment/item")
	if sub := ia.json["item"].(map[string]any)["subject"]; sub != item.Attachments[0].Item.Subject {
		t.Errorf("expanded item subject %v", sub)
	}
}

func TestUsers(t *testing.T) {
	s, tok := startDemo(t)
	d := sharedDemo()
	me := get(t, s, tok, "/me")
	k := keys(me.json)
	sort.Strings(k)
	want := []string{"@odata.context", "businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName"}
	if !slices.Equal(k, want) {
		t.Errorf("/me keys %v", k)
	}
	list := all(t, s, tok, "/users?$top=2")
	if len(list) != len(d.Users) {
		t.Errorf("users: %d, want %d", len(list), len(d.Users))
	}
	r := get(t, s, tok, "/users?$top=2")
	next := r.json["@odata.nextLink"].(string)
	if !strings.Contains(next, "$skiptoken=") || strings.Contains(next, "$skip=") {
		t.Errorf("users nextLink %s", next)
	}
	cases := []struct {
		query   string
		aq      bool
		want    []string // display names, in order
		counted bool
	}{
		{"$filter=" + esc("startswith(displayName,'m')"), false, []string{"Megan Bowen"}, false},
		{"$filter=" + esc("displayName eq 'SEÁN O''BRIEN'"), false, []string{"Seán O'Brien"}, false},
		{"$filter=" + esc("department in ('Retail','Marketing')"), false, []string{"Adele Vance", "Megan Bowen"}, false},
		{"$filter=" + esc("id eq '"+d.Users[2].ID+"'"), false, []string{"Zoë Müller"}, false},
		{"$filter=" + esc("displayName ge 'M' and displayName le 'Zz'"), false, []string{"Seán O'Brien", "Zoë Müller", "Megan Bowen"}, false},
		{"$orderby=displayName+desc&$select=displayName", false, []string{"田中 太郎", "Zoë Müller", "Seán O'Brien", "Megan Bowen", "Build Service", "Adele Vance"}, false},
		{"$count=true&$filter=" + esc("endswith(mail,'onmicrosoft.com')") + "&$orderby=userPrincipalName", true, []string{"Adele Vance", "Megan Bowen", "Seán O'Brien", "田中 太郎", "Zoë Müller"}, true},
		{"$count=true&$filter=" + esc("jobTitle eq null"), true, []string{"田中 太郎", "Build Service"}, true},
		{"$count=true&$filter=" + esc("officeLocation eq 'tokyo'"), true, []string{"田中 太郎"}, true},
		{"$count=true&$filter=" + esc("not(startswith(displayName,'a')) and mail ne null"), true, []string{"Seán O'Brien", "Zoë Müller", "田中 太郎", "Megan Bowen"}, true},
		{"$count=true&$search=" + esc(`"displayName:bow"`), true, []string{"Megan Bowen"}, true},
		{"$count=true&$search=" + esc(`"displayName:o'b" OR "mail:zoe"`), true, []string{"Seán O'Brien", "Zoë Müller"}, true},
		{"$count=true&$filter=" + esc("businessPhones/any(p:startswith(p,'+49'))"), true, []string{"Zoë Müller"}, true},
		{"$count=true", false, nil, false}, // $count without the header is ignored
	}
	for _, c := range cases {
		var h []string
		if c.aq {
			h = []string{"ConsistencyLevel", "eventual"}
		}
		r := get(t, s, tok, "/users?"+c.query, h...)
		if r.status != 200 {
			t.Errorf("%s: %d %s", c.query, r.status, r.body)
			continue
		}
		if c.want != nil {
			var got []string
			for _, u := range r.value() {
				got = append(got, u["displayName"].(string))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: got %q, want %q", c.query, got, c.want)
			}
		}
		if _, has := r.json["@odata.count"]; has != c.counted {
			t.Errorf("%s: @odata.count present=%v", c.query, has)
		}
	}
	cnt := get(t, s, tok, "/users/$count", "ConsistencyLevel", "eventual")
	if string(cnt.body) != "6" {
		t.Errorf("/users/$count = %q", cnt.body)
	}
}

func TestSearch(t *testing.T) {
	s, tok := startDemo(t)
	d := sharedDemo()
	for _, kql := range []string{"budget", "from:dana", `subject:"weekly digest"`, "to:zoe", "café OR straße", "body:laptop NOT subject:re", "日本語", "o'brien", "attachment:pdf"} {
		want, err := d.Search(adele, kql)
		if err != nil {
			t.Fatal(err)
		}
		got := ids(all(t, s, tok, "/me/messages?$top=250&$select=id&$search="+esc(`"`+kql+`"`)))
		var wantIDs []string
		for _, m := range want {
			wantIDs = append(wantIDs, m.ID)
		}
		if !slices.Equal(got, wantIDs) {
			t.Errorf("%s: %d results, oracle %d", kql, len(got), len(wantIDs))
		}
		if len(got) == 0 {
			t.Errorf("%s: no results; the demo should have some", kql)
		}
		for i := 1; i < len(want); i++ {
			if want[i].SentDateTime.After(want[i-1].SentDateTime) {
				t.Fatalf("%s: not sorted by sentDateTime desc", kql)
			}
		}
	}
	cap := Generate(GenConfig{Seed: 3, Users: 1, MessagesPerUser: 3000})
	s2 := New(cap)
	defer s2.Close()
	tok2 := s2.IssueAccessToken(cap.Users[0].UserPrincipalName)
	got := all(t, s2, tok2, "/me/messages?$top=1000&$select=id&$search="+esc(`"a"`))
	if len(got) != SearchCap {
		t.Errorf("search returned %d, want the cap %d", len(got), SearchCap)
	}
}

func TestCountSegmentAndSkipToken(t *testing.T) {
	s, tok := startDemo(t)
	u := sharedDemo().Users[0]
	unread := 0
	for _, m := range u.Messages {
		if !m.IsRead {
			unread++
		}
	}
	r := get(t, s, tok, "/me/messages/$count?$filter=isRead+eq+false")
	if r.status != 200 || string(r.body) != strconv.Itoa(unread) || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("$count: %d %q %s, want %d", r.status, r.body, r.header.Get("Content-Type"), unread)
	}
	if r := get(t, s, tok, "/users?$skiptoken=bogus"); r.status != 400 || r.errCode() != "Request_BadRequest" {
		t.Errorf("bad skiptoken: %d %s", r.status, r.errCode())
	}
	req, _ := http.NewRequest("HEAD", s.GraphURL()+"/me/messages?$top=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD: %v %v", err, resp)
	}
	resp.Body.Close()
}

package fakegraph

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
)

// index finds users, folders and messages quickly.
type index struct {
	tenant *Tenant
	users  map[string]*User // by lower-cased id and userPrincipalName
	mu     sync.Mutex
	boxes  map[*User]*mailbox
}

func newIndex(t *Tenant) *index {
	x := &index{tenant: t, users: map[string]*User{}, boxes: map[*User]*mailbox{}}
	for _, u := range t.Users {
		x.users[strings.ToLower(u.ID)] = u
		x.users[strings.ToLower(u.UserPrincipalName)] = u
	}
	return x
}

// mailbox is the index of one user's mailbox.
type mailbox struct {
	u        *User
	msgs     map[string]*Message
	folders  map[string]*Folder
	wk       map[string]*Folder
	children map[string][]*Folder // by parent id, sorted by display name
	root     *Folder
	stats    *folderStats
	owner    map[*Attachment]*Message

	mu     sync.Mutex
	sorted map[string][]*Message // base order (receivedDateTime desc) per folder id, "" = all
	cache  map[string][]*Message // query results
}

func (x *index) mailbox(u *User) *mailbox {
	x.mu.Lock()
	defer x.mu.Unlock()
	if mb := x.boxes[u]; mb != nil {
		return mb
	}
	mb := &mailbox{u: u, msgs: make(map[string]*Message, len(u.Messages)), folders: map[string]*Folder{}, wk: map[string]*Folder{},
		children: map[string][]*Folder{}, sorted: map[string][]*Message{}, cache: map[string][]*Message{}}
	mb.root = &Folder{ID: u.RootFolderID, DisplayName: "Top of Information Store", WellKnownName: "msgfolderroot"}
	mb.wk["msgfolderroot"] = mb.root
	for _, f := range u.Folders {
		mb.folders[f.ID] = f
		if f.WellKnownName != "" {
			mb.wk[strings.ToLower(f.WellKnownName)] = f
		}
		mb.children[f.ParentFolderID] = append(mb.children[f.ParentFolderID], f)
	}
	for _, fs := range mb.children {
		sort.SliceStable(fs, func(i, j int) bool {
			a, b := strings.ToLower(fs[i].DisplayName), strings.ToLower(fs[j].DisplayName)
			if a != b {
				return a < b
			}
			return fs[i].ID < fs[j].ID
		})
	}
	for _, m := range u.Messages {
		mb.msgs[m.ID] = m
	}
	mb.stats = newFolderStats(u)
	x.boxes[u] = mb
	return mb
}

// base returns the messages of a folder ("" = all) newest received first.
func (mb *mailbox) base(folderID string) []*Message {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if s, ok := mb.sorted[folderID]; ok {
		return s
	}
	var s []*Message
	for _, m := range mb.u.Messages {
		if folderID == "" || m.ParentFolderID == folderID {
			s = append(s, m)
		}
	}
	slices.SortStableFunc(s, func(a, b *Message) int { return b.ReceivedDateTime.Compare(a.ReceivedDateTime) })
	mb.sorted[folderID] = s
	return s
}

func (mb *mailbox) cached(key string, f func() []*Message) []*Message {
	mb.mu.Lock()
	r, ok := mb.cache[key]
	mb.mu.Unlock()
	if ok {
		return r
	}
	r = f()
	mb.mu.Lock()
	if len(mb.cache) >= 32 {
		clear(mb.cache)
	}
	mb.cache[key] = r
	mb.mu.Unlock()
	return r
}

// wellKnownNames are the names Graph accepts in place of a folder id.
var wellKnownNames = []string{"archive", "clutter", "conflicts", "conversationhistory", "deleteditems", "drafts", "inbox",
	"junkemail", "localfailures", "msgfolderroot", "outbox", "recoverableitemsdeletions", "scheduled", "searchfolders",
	"sentitems", "serverfailures", "syncissues"}

// folder finds a folder by id or well-known name (any case).
func (mb *mailbox) folder(key string) (*Folder, *apiError) {
	if f := mb.folders[key]; f != nil {
		return f, nil
	}
	if key == mb.root.ID {
		return mb.root, nil
	}
	if f := mb.wk[strings.ToLower(key)]; f != nil {
		return f, nil
	}
	if slices.Contains(wellKnownNames, strings.ToLower(key)) {
		return nil, &apiError{http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store."}
	}
	if idMalformed(key) {
		return nil, badRequest("ErrorInvalidIdMalformed", "Id is malformed.")
	}
	return nil, &apiError{http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store."}
}

func (mb *mailbox) message(id string) (*Message, *apiError) {
	if m := mb.msgs[id]; m != nil {
		return m, nil
	}
	if idMalformed(id) {
		return nil, badRequest("ErrorInvalidIdMalformed", "Id is malformed.")
	}
	return nil, &apiError{http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store., The process failed to get the correct properties."}
}

// segment is one path segment, "name" or "name('key')".
type segment struct {
	name   string
	key    string
	hasKey bool
}

func parseSegments(escaped string) ([]segment, error) {
	var out []segment
	for _, raw := range strings.Split(strings.Trim(escaped, "/"), "/") {
		s, err := url.PathUnescape(raw)
		if err != nil {
			return nil, fmt.Errorf("bad escape in %q", raw)
		}
		if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
			k := s[i+1 : len(s)-1]
			if len(k) >= 2 && k[0] == '\'' && k[len(k)-1] == '\'' {
				k = strings.ReplaceAll(k[1:len(k)-1], "''", "'")
			}
			out = append(out, segment{name: s[:i], key: k, hasKey: true})
			continue
		}
		out = append(out, segment{name: s})
	}
	return out, nil
}

func (c *call) answer(e *apiError) {
	c.fail(e.status, e.code, e.msg)
}

func (c *call) notFoundSegment(s string) {
	c.fail(http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", s))
}

// route dispatches a Graph request under /v1.0.
func (c *call) route() {
	defer c.release()
	q, qerr := parseQuery(c.r.URL.RawQuery)
	if qerr != nil {
		c.answer(qerr)
		return
	}
	c.query = q
	c.parsePrefer()
	segs, err := parseSegments(strings.TrimPrefix(c.r.URL.EscapedPath(), "/v1.0"))
	if err != nil || len(segs) == 0 || segs[0].name == "" {
		c.fail(http.StatusBadRequest, "BadRequest", "Invalid version.")
		return
	}
	first := strings.ToLower(segs[0].name)
	var u *User
	var rest []segment
	switch {
	case first == "me" && !segs[0].hasKey:
		if c.p.app {
			c.fail(http.StatusBadRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
			return
		}
		u, rest = c.p.user, segs[1:]
		if len(rest) == 0 {
			if !c.refuseWrite() {
				c.getUser(u)
			}
			return
		}
	case first == "users" && segs[0].hasKey:
		rest = segs[1:]
		if len(rest) == 0 {
			if !c.refuseWrite() {
				c.getUserByKey(segs[0].key)
			}
			return
		}
		u = c.s.idx.users[strings.ToLower(segs[0].key)]
		if u == nil {
			c.noMailbox(segs[0].key)
			return
		}
	case first == "users":
		if len(segs) == 1 {
			if !c.refuseWrite() {
				c.listUsers()
			}
			return
		}
		if strings.EqualFold(segs[1].name, "delta") && len(segs) == 2 && !c.write {
			c.usersDelta()
			return
		}
		if segs[1].name == "$count" && len(segs) == 2 {
			if !c.refuseWrite() {
				c.countUsers()
			}
			return
		}
		rest = segs[2:]
		if len(rest) == 0 {
			if !c.refuseWrite() {
				c.getUserByKey(segs[1].name)
			}
			return
		}
		u = c.s.idx.users[strings.ToLower(segs[1].name)]
		if u == nil {
			c.noMailbox(segs[1].name)
			return
		}
	default:
		c.notFoundSegment(segs[0].name)
		return
	}
	if c.write {
		c.serveWrite(u, rest)
		return
	}
	c.serveMailbox(u, rest)
}

func (c *call) noMailbox(key string) {
	if c.p.app || c.p.has("Mail.Read.Shared", "Mail.ReadBasic.Shared", "Mail.ReadWrite.Shared") {
		c.fail(http.StatusNotFound, "ErrorNonExistentMailbox", fmt.Sprintf("The SMTP address has no mailbox associated with it. (user '%s')", key))
		return
	}
	c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
}

// serveMailbox serves /{mailbox}/… paths.
func (c *call) serveMailbox(u *User, rest []segment) {
	if settingsPath(rest) {
		c.serveSettings(u, rest)
		return
	}
	own := !c.p.app && c.p.user == u
	switch {
	case c.p.app:
		if !c.p.has("Mail.Read", "Mail.ReadBasic.All", "Mail.ReadWrite") {
			c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
			return
		}
	case own:
		if !c.p.has("Mail.Read", "Mail.ReadBasic", "Mail.ReadWrite", "Mail.Read.Shared", "Mail.ReadBasic.Shared", "Mail.ReadWrite.Shared") {
			c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
			return
		}
	default:
		if !c.p.has("Mail.Read.Shared", "Mail.ReadBasic.Shared", "Mail.ReadWrite.Shared") {
			c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
			return
		}
	}
	c.basic = !c.p.has("Mail.Read", "Mail.ReadWrite", "Mail.Read.Shared", "Mail.ReadWrite.Shared")
	if u.NoMailbox {
		c.fail(http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		return
	}
	if !c.acquire(strings.ToLower(u.ID)) {
		return
	}
	mb := c.s.idx.mailbox(u)
	c.user = u
	name := strings.ToLower(rest[0].name)
	switch name {
	case "messages":
		if rest[0].hasKey {
			rest = append([]segment{{name: "messages"}, {name: rest[0].key}}, rest[1:]...)
		}
		c.serveMessages(mb, nil, rest[1:])
	case "mailfolders":
		if rest[0].hasKey {
			rest = append([]segment{{name: "mailFolders"}, {name: rest[0].key}}, rest[1:]...)
		}
		if len(rest) == 1 {
			c.listFolders(mb, mb.root, "mailFolders")
			return
		}
		if len(rest) == 2 && strings.EqualFold(rest[1].name, "delta") {
			c.folderDelta(mb)
			return
		}
		f, err := mb.folder(rest[1].name)
		if err != nil {
			c.answer(err)
			return
		}
		c.serveFolder(mb, f, rest[2:])
	default:
		c.notFoundSegment(rest[0].name)
	}
}

// serveFolder serves /mailFolders/{id}/… (and nested childFolders/{id}).
func (c *call) serveFolder(mb *mailbox, f *Folder, rest []segment) {
	if len(rest) == 0 {
		c.getFolder(mb, f)
		return
	}
	if rest[0].hasKey {
		rest = append([]segment{{name: rest[0].name}, {name: rest[0].key}}, rest[1:]...)
	}
	switch strings.ToLower(rest[0].name) {
	case "childfolders":
		if len(rest) == 1 {
			c.listFolders(mb, f, "mailFolders('"+f.ID+"')/childFolders")
			return
		}
		child, err := mb.folder(rest[1].name)
		if err != nil {
			c.answer(err)
			return
		}
		c.serveFolder(mb, child, rest[2:])
	case "messages":
		c.serveMessages(mb, f, rest[1:])
	default:
		c.notFoundSegment(rest[0].name)
	}
}

// serveMessages serves …/messages[/{id}[/$value|/attachments[/{aid}[/$value]]]].
func (c *call) serveMessages(mb *mailbox, f *Folder, rest []segment) {
	if len(rest) == 0 {
		c.listMessages(mb, f)
		return
	}
	if f != nil && len(rest) == 1 && strings.EqualFold(rest[0].name, "delta") {
		c.messageDelta(mb, f)
		return
	}
	if rest[0].name == "$count" && len(rest) == 1 {
		c.countMessages(mb, f)
		return
	}
	m, err := mb.message(rest[0].name)
	if err != nil {
		c.answer(err)
		return
	}
	rest = rest[1:]
	if len(rest) == 0 {
		c.getMessage(mb, m)
		return
	}
	if rest[0].hasKey {
		rest = append([]segment{{name: rest[0].name}, {name: rest[0].key}}, rest[1:]...)
	}
	switch strings.ToLower(rest[0].name) {
	case "$value":
		if len(rest) == 1 {
			if err := c.q().allow(); err != nil {
				c.answer(err)
				return
			}
			c.rawValue("text/plain", []byte(mimeText(m)))
			return
		}
	case "attachments":
		if c.basic {
			c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
			return
		}
		if len(rest) == 1 {
			c.listAttachments(m)
			return
		}
		a := findAttachment(m, rest[1].name)
		if a == nil {
			if idMalformed(rest[1].name) {
				c.fail(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
			} else {
				c.fail(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
			}
			return
		}
		if len(rest) == 2 {
			c.getAttachment(m, a)
			return
		}
		if len(rest) == 3 && rest[2].name == "$value" {
			if err := c.q().allow(); err != nil {
				c.answer(err)
				return
			}
			c.attachmentValue(a)
			return
		}
		c.notFoundSegment(rest[2].name)
		return
	}
	c.notFoundSegment(rest[0].name)
}

func findAttachment(m *Message, id string) *Attachment {
	for _, a := range m.Attachments {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (c *call) rawValue(ctype string, b []byte) {
	h := c.w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", fmt.Sprint(len(b)))
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		c.w.Write(b)
	}
}

// parsePrefer reads the Prefer headers and sets Preference-Applied.
func (c *call) parsePrefer() {
	var applied []string
	for _, h := range c.r.Header.Values("Prefer") {
		for _, p := range strings.Split(h, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "outlook.body-content-type":
				switch strings.ToLower(v) {
				case "text":
					c.textBody = true
					applied = append(applied, `outlook.body-content-type="text"`)
				case "html":
					applied = append(applied, `outlook.body-content-type="html"`)
				}
			case "outlook.timezone":
				c.timeZone = v
				applied = append(applied, `outlook.timezone="`+v+`"`)
			case "idtype":
				if strings.EqualFold(v, "ImmutableId") {
					applied = append(applied, `IdType="ImmutableId"`)
				}
			}
		}
	}
	if len(applied) > 0 {
		c.w.Header().Set("Preference-Applied", strings.Join(applied, ","))
	}
}

// context builds an @odata.context URL.
func (c *call) context(frag string) string {
	return c.s.URL + "/v1.0/$metadata#" + frag
}

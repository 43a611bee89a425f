package fakegraph

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Writes (REFERENCE.md §1.2). The fake serves, for /me/… and
// /users/{id|userPrincipalName}/… mailboxes, on their own and inside $batch:
//
//	PATCH  messages/{id}                                 200 + message
//	DELETE messages/{id}                                 204
//	POST   messages, mailFolders/{id}/messages           201 + draft
//	POST   messages/{id}/move, …/copy                    201 + message
//	POST   messages/{id}/createReply|createReplyAll|createForward  201 + draft
//	POST   messages/{id}/send                            202 (Mail.Send)
//	POST   messages/{id}/reply|replyAll|forward          202 (Mail.Send)
//	POST   sendMail                                      202 (Mail.Send)
//	POST   messages/{id}/attachments                     201 + attachment
//	DELETE messages/{id}/attachments/{aid}               204
//	POST   messages/{id}/attachments/createUploadSession 201 + uploadSession
//	POST   mailFolders, mailFolders/{id}/childFolders    201 + folder
//	PATCH  mailFolders/{id}                              200 + folder
//	POST   mailFolders/{id}/move                         201 + folder
//	DELETE mailFolders/{id}                              204
//
// Every path under mailFolders/{id} also takes childFolders/{id} and a
// well-known name in place of an id; actions may be written
// microsoft.graph.move and so on. Error codes the fake chooses where
// Graph's are not documented are named in writes_test.go's table and in
// the handlers below.

// Graph's upload limits.
const (
	// MaxUploadChunk is the largest byte range one upload-session PUT may
	// carry (4 MB).
	MaxUploadChunk = 4 * 1024 * 1024
	// MaxAttachmentSize is the largest attachment an upload session takes
	// (150 MB).
	MaxAttachmentSize = 150 * 1024 * 1024
)

// isWrite reports whether method changes state: POST, PATCH, PUT, DELETE.
func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// readBody reads a write's body (up to 64 MB) and puts it back for the
// handler; it returns nil for an empty body.
func readBody(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if len(b) == 0 {
		return nil
	}
	return b
}

// dropConnection closes w's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// innerBodyOK applies Graph's rule to a batch's request: a POST, PATCH or
// PUT needs a body, and a body needs a Content-Type header.
func innerBodyOK(r batchIn) bool {
	hasBody := len(r.Body) > 0 && string(r.Body) != "null"
	hasType := false
	for k, v := range r.Headers {
		if strings.EqualFold(k, "Content-Type") && strings.TrimSpace(v) != "" {
			hasType = true
		}
	}
	switch strings.ToUpper(r.Method) {
	case http.MethodPost, http.MethodPatch, http.MethodPut:
		return hasBody && hasType
	}
	return !hasBody || hasType
}

// writeState is the Server's state for writes: its knobs and the upload
// host. Knobs are guarded by Server.mu.
type writeState struct {
	throttleN     int
	throttleRetry string
	dropAfterN    int
	up            *uploadHost
}

// ThrottleWrites makes the next n write requests (POST, PATCH, PUT,
// DELETE under /v1.0, on their own or inside a $batch; not the $batch POST
// itself, nor upload-session PUTs) answer 429 TooManyRequests with
// Retry-After: retryAfter (omitted when ""), without applying them. Reads
// are not counted. n = 0 stops it.
func (s *Server) ThrottleWrites(n int, retryAfter string) {
	s.mu.Lock()
	s.wr.throttleN, s.wr.throttleRetry = n, retryAfter
	s.mu.Unlock()
}

// DropAfterWrites makes the next n write requests be applied and then lose
// their connection without an answer: the ambiguous failure of a timeout
// after sending. A standalone write's connection is closed once it is
// applied; a $batch POST holding such a write is run whole (every inner
// request applied) and then its connection is closed. The log records the
// request with Status 0. n = 0 stops it.
func (s *Server) DropAfterWrites(n int) {
	s.mu.Lock()
	s.wr.dropAfterN = n
	s.mu.Unlock()
}

// takeWriteThrottle and takeDropAfter consume the knobs; s.mu is held.
func (s *Server) takeWriteThrottle() (bool, int, string) {
	if s.wr.throttleN > 0 {
		s.wr.throttleN--
		return true, http.StatusTooManyRequests, s.wr.throttleRetry
	}
	return false, 0, ""
}

func (s *Server) takeDropAfter() bool {
	if s.wr.dropAfterN > 0 {
		s.wr.dropAfterN--
		return true
	}
	return false
}

// refuseWrite answers 405 to a write on a path that only reads; it reports
// whether it did.
func (c *call) refuseWrite() bool {
	if !c.write {
		return false
	}
	c.fail(http.StatusMethodNotAllowed, "ErrorInvalidRequest", fmt.Sprintf("The OData request is not supported: %s is not allowed on %s.", c.r.Method, c.r.URL.Path))
	return true
}

// --- ids, times, bodies ---

func randomID(prefix [3]byte) string {
	buf := make([]byte, 3+45)
	copy(buf, prefix[:])
	rand.Read(buf[3:])
	return base64.URLEncoding.EncodeToString(buf)
}

func newMessageID() string      { return randomID([3]byte{0x00, 0x03, 0x24}) } // AAMk…
func newFolderID() string       { return randomID([3]byte{0x01, 0x03, 0x24}) } // AQMk…
func newConversationID() string { return randomID([3]byte{0x00, 0x04, 0x24}) } // AAQk…

func newChangeKey() string {
	var b [8]byte
	rand.Read(b[:])
	return "CQAAABYAAAC" + base64.StdEncoding.EncodeToString(b[:])[:11] + "AAAA"
}

func nowUTC() time.Time { return time.Now().UTC().Truncate(time.Second) }

// touched stamps a changed message: a new changeKey and lastModifiedDateTime.
func touched(m *Message) {
	m.ChangeKey = newChangeKey()
	m.LastModifiedDateTime = nowUTC()
}

// jsonObject is a request body's object, looked up case-insensitively.
type jsonObject map[string]json.RawMessage

func (o jsonObject) get(name string) (json.RawMessage, bool) {
	if v, ok := o[name]; ok {
		return v, true
	}
	for k, v := range o {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func bodyRead(msg string) *apiError { return badRequest("RequestBodyRead", msg) }

// body parses the request body as a JSON object; an empty body is {} when
// empty is true.
func (c *call) body(empty bool) (jsonObject, *apiError) {
	b, _ := io.ReadAll(c.r.Body)
	if len(bytes.TrimSpace(b)) == 0 {
		if empty {
			return jsonObject{}, nil
		}
		return nil, bodyRead("The request body is empty: a JSON object was expected.")
	}
	var o jsonObject
	if err := json.Unmarshal(b, &o); err != nil || o == nil {
		return nil, bodyRead("Invalid JSON in the request body: a JSON object was expected.")
	}
	return o, nil
}

// immutableIDs reports whether the request asks Prefer: IdType="ImmutableId".
func (c *call) immutableIDs() bool {
	for _, h := range c.r.Header.Values("Prefer") {
		for _, p := range strings.Split(h, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "IdType") && strings.EqualFold(strings.Trim(strings.TrimSpace(v), `"`), "ImmutableId") {
				return true
			}
		}
	}
	return false
}

// writeStatus sends a JSON body with status.
func (c *call) writeStatus(status int, b []byte) {
	h := c.w.Header()
	h.Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	h.Set("OData-Version", "4.0")
	h.Set("Content-Length", fmt.Sprint(len(b)))
	c.w.WriteHeader(status)
	c.w.Write(b)
}

// empty sends status (202, 204) with no body.
func (c *call) empty(status int) {
	if status != http.StatusNoContent {
		c.w.Header().Set("Content-Length", "0")
	}
	c.w.WriteHeader(status)
}

func (c *call) sendMessage(status int, m *Message) {
	b := c.appendMessage(nil, m, nil, nil)
	c.writeStatus(status, withContext(b, c.context(fmt.Sprintf("users('%s')/messages/$entity", c.user.ID))))
}

func (c *call) sendFolder(status int, mb *mailbox, f *Folder) {
	c.writeStatus(status, withContext(appendFolder(nil, mb, f, nil), c.context(fmt.Sprintf("users('%s')/mailFolders/$entity", c.user.ID))))
}

// reindex drops the mailbox's index after a change and returns a fresh one,
// so that reads, counters and listings see the change.
func (c *call) reindex(u *User) *mailbox {
	x := c.s.idx
	x.mu.Lock()
	delete(x.boxes, u)
	x.mu.Unlock()
	return x.mailbox(u)
}

// --- routing ---

// flatten turns name('key') segments into name, key.
func flatten(rest []segment) []string {
	var out []string
	for _, s := range rest {
		out = append(out, s.name)
		if s.hasKey {
			out = append(out, s.key)
		}
	}
	return out
}

// action is a path segment as an action name: case-insensitive, with an
// optional microsoft.graph. prefix.
func action(s string) string {
	s = strings.ToLower(s)
	return strings.TrimPrefix(s, "microsoft.graph.")
}

var sendActions = map[string]bool{"sendmail": true, "send": true, "reply": true, "replyall": true, "forward": true}

// serveWrite serves a write on /{mailbox}/….
func (c *call) serveWrite(u *User, rest []segment) {
	p := flatten(rest)
	if len(p) == 0 {
		c.refuseWrite()
		return
	}
	// Which permission: send actions need Mail.Send, the rest Mail.ReadWrite.
	last := action(p[len(p)-1])
	send := c.r.Method == http.MethodPost && sendActions[last] && (len(p) == 1 || len(p) == 3 && strings.EqualFold(p[0], "messages"))
	own := !c.p.app && c.p.user == u
	var ok bool
	switch {
	case send && c.p.app:
		ok = c.p.has("Mail.Send")
	case send && own:
		ok = c.p.has("Mail.Send", "Mail.Send.Shared")
	case send:
		ok = c.p.has("Mail.Send.Shared")
	case c.p.app:
		ok = c.p.has("Mail.ReadWrite")
	case own:
		ok = c.p.has("Mail.ReadWrite", "Mail.ReadWrite.Shared")
	default:
		ok = c.p.has("Mail.ReadWrite.Shared")
	}
	if !ok {
		c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return
	}
	c.basic = !c.p.has("Mail.Read", "Mail.ReadWrite", "Mail.Read.Shared", "Mail.ReadWrite.Shared")
	if u.NoMailbox {
		c.fail(http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		return
	}
	if !c.acquire(strings.ToLower(u.ID)) {
		return
	}
	c.user = u
	mb := c.s.idx.mailbox(u)
	switch strings.ToLower(p[0]) {
	case "sendmail":
		if len(p) == 1 && c.method(http.MethodPost) {
			c.sendMail(u)
			return
		}
	case "messages":
		c.writeMessages(u, mb, nil, p[1:])
		return
	case "mailfolders":
		if len(p) == 1 {
			if c.method(http.MethodPost) {
				c.createFolder(u, mb, mb.root)
			}
			return
		}
		f, err := mb.folder(p[1])
		if err != nil {
			c.answer(err)
			return
		}
		c.writeFolder(u, mb, f, p[2:])
		return
	}
	c.fail(http.StatusMethodNotAllowed, "ErrorInvalidRequest", fmt.Sprintf("The OData request is not supported: %s is not allowed on %s.", c.r.Method, c.r.URL.Path))
}

// method answers 405 unless the request's method is one of ms.
func (c *call) method(ms ...string) bool {
	for _, m := range ms {
		if c.r.Method == m {
			return true
		}
	}
	c.fail(http.StatusMethodNotAllowed, "ErrorInvalidRequest", fmt.Sprintf("The OData request is not supported: %s is not allowed on %s.", c.r.Method, c.r.URL.Path))
	return false
}

// writeFolder serves writes on mailFolders/{id}/….
func (c *call) writeFolder(u *User, mb *mailbox, f *Folder, p []string) {
	if len(p) == 0 {
		if !c.method(http.MethodPatch, http.MethodDelete) {
			return
		}
		if c.r.Method == http.MethodPatch {
			c.patchFolder(u, mb, f)
		} else {
			c.deleteFolder(u, mb, f)
		}
		return
	}
	switch action(p[0]) {
	case "childfolders":
		if len(p) == 1 {
			if c.method(http.MethodPost) {
				c.createFolder(u, mb, f)
			}
			return
		}
		child, err := mb.folder(p[1])
		if err != nil {
			c.answer(err)
			return
		}
		c.writeFolder(u, mb, child, p[2:])
	case "messages":
		c.writeMessages(u, mb, f, p[1:])
	case "move":
		if len(p) == 1 && c.method(http.MethodPost) {
			c.moveFolder(u, mb, f)
		}
	default:
		c.notFoundSegment(p[0])
	}
}

// writeMessages serves writes on …/messages[/{id}[/…]]; f is the folder
// of a mailFolders/{id}/messages path, nil otherwise.
func (c *call) writeMessages(u *User, mb *mailbox, f *Folder, p []string) {
	if len(p) == 0 {
		if c.method(http.MethodPost) {
			if f == nil {
				f = mb.wk["drafts"]
			}
			c.createDraft(u, f)
		}
		return
	}
	m, err := mb.message(p[0])
	if err != nil {
		c.answer(err)
		return
	}
	if f != nil && m.ParentFolderID != f.ID {
		c.fail(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	p = p[1:]
	if len(p) == 0 {
		if !c.method(http.MethodPatch, http.MethodDelete) {
			return
		}
		if c.r.Method == http.MethodPatch {
			c.patchMessage(u, m)
		} else {
			c.deleteMessage(u, m)
		}
		return
	}
	if strings.EqualFold(p[0], "attachments") {
		c.writeAttachments(u, m, p[1:])
		return
	}
	if len(p) != 1 {
		c.notFoundSegment(p[1])
		return
	}
	if !c.method(http.MethodPost) {
		return
	}
	switch a := action(p[0]); a {
	case "move", "copy":
		c.moveMessage(u, mb, m, a == "copy")
	case "send":
		c.sendDraft(u, m)
	case "reply", "replyall", "forward":
		c.respond(u, m, a, true)
	case "createreply", "createreplyall", "createforward":
		c.respond(u, m, strings.TrimPrefix(a, "create"), false)
	default:
		c.notFoundSegment(p[0])
	}
}

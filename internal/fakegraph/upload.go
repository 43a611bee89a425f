package fakegraph

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// Attachments on drafts: POST …/attachments (file attachments up to 3 MB),
// DELETE …/attachments/{id}, and upload sessions for 3 MB to 150 MB. Every
// one of them is refused on a message that is not a draft with 400
// ErrorInvalidOperation (SCHEMA.md: attachments are written on drafts).

var errNotDraftAttachment = badRequest("ErrorInvalidOperation", "Attachments can be added or removed only on a draft (isDraft true); this message has been sent.")

// writeAttachments serves writes on messages/{id}/attachments[/…].
func (c *call) writeAttachments(u *User, m *Message, p []string) {
	switch {
	case len(p) == 0:
		if c.method(http.MethodPost) {
			c.addAttachment(u, m)
		}
	case len(p) == 1 && action(p[0]) == "createuploadsession":
		if c.method(http.MethodPost) {
			c.createUploadSession(u, m)
		}
	case len(p) == 1:
		if !c.method(http.MethodDelete) {
			return
		}
		a := findAttachment(m, p[0])
		if a == nil {
			if idMalformed(p[0]) {
				c.fail(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
			} else {
				c.fail(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
			}
			return
		}
		if !m.IsDraft {
			c.answer(errNotDraftAttachment)
			return
		}
		m.Attachments = slices.DeleteFunc(m.Attachments, func(x *Attachment) bool { return x == a })
		touched(m)
		c.reindex(u)
		c.empty(http.StatusNoContent)
	default:
		c.notFoundSegment(p[1])
	}
}

// addAttachment: POST messages/{id}/attachments with a fileAttachment →
// 201 + the attachment. Over 3 MB: 413 ErrorRequestEntityTooLarge, which
// says to use an upload session.
func (c *call) addAttachment(u *User, m *Message) {
	o, err := c.body(false)
	if err != nil {
		c.answer(err)
		return
	}
	if !m.IsDraft {
		c.answer(errNotDraftAttachment)
		return
	}
	typ := ""
	if raw, ok := o["@odata.type"]; ok {
		typ, _ = stringValue(raw, "@odata.type")
	}
	if !strings.EqualFold(strings.TrimPrefix(typ, "#"), "microsoft.graph.fileAttachment") {
		c.fail(http.StatusBadRequest, "ErrorInvalidRequest", fmt.Sprintf("The attachment's @odata.type is '%s': this fake adds only '#microsoft.graph.fileAttachment'.", typ))
		return
	}
	a := &Attachment{Kind: "file", ID: newMessageID(), LastModified: nowUTC()}
	var content []byte
	hasContent := false
	for k, raw := range o {
		var err *apiError
		switch {
		case k == "@odata.type":
		case strings.EqualFold(k, "name"):
			a.Name, err = stringValue(raw, "name")
		case strings.EqualFold(k, "contentType"):
			a.ContentType, err = stringValue(raw, "contentType")
		case strings.EqualFold(k, "isInline"):
			a.IsInline, err = boolValue(raw, "isInline")
		case strings.EqualFold(k, "contentId"):
			a.ContentID, err = stringValue(raw, "contentId")
		case strings.EqualFold(k, "contentBytes"):
			var s string
			s, err = stringValue(raw, "contentBytes")
			if err == nil {
				var derr error
				if content, derr = base64.StdEncoding.DecodeString(s); derr != nil {
					err = bodyRead("Property 'contentBytes' is not valid base64.")
				}
				hasContent = true
			}
		case strings.EqualFold(k, "size"), strings.EqualFold(k, "lastModifiedDateTime"), strings.EqualFold(k, "contentLocation"):
			// ignored, as Graph computes them
		default:
			err = bodyRead(fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.fileAttachment'.", k))
		}
		if err != nil {
			c.answer(err)
			return
		}
	}
	if a.Name == "" || !hasContent {
		c.fail(http.StatusBadRequest, "ErrorInvalidRequest", "A file attachment needs a name and contentBytes.")
		return
	}
	if len(content) > MaxInlineContent {
		c.fail(http.StatusRequestEntityTooLarge, "ErrorRequestEntityTooLarge", fmt.Sprintf("The attachment holds %d bytes, over the 3 MB (%d bytes) a POST takes: create an upload session (POST …/attachments/createUploadSession) instead.", len(content), MaxInlineContent))
		return
	}
	a.Content, a.Size = content, len(content)
	m.Attachments = append(m.Attachments, a)
	touched(m)
	c.reindex(u)
	ctx := c.context(fmt.Sprintf("users('%s')/messages('%s')/attachments/$entity", u.ID, m.ID))
	c.writeStatus(http.StatusCreated, withContext(appendAttachment(nil, a, nil, false), ctx))
}

// --- upload sessions ---

// uploadHost is the second loopback listener that takes upload-session
// PUTs, as Outlook's upload URLs point at another host than Graph.
type uploadHost struct {
	ln       net.Listener
	hs       *http.Server
	url      string
	mu       sync.Mutex
	sessions map[string]*uploadSession
}

// uploadSession is one attachment being uploaded.
type uploadSession struct {
	u       *User
	m       *Message // the draft, by pointer: its id may change
	token   string
	name    string
	ctype   string
	inline  bool
	cid     string
	size    int
	data    []byte
	expires time.Time
}

// UploadURL is the root of the upload host, another loopback listener than
// URL, e.g. http://127.0.0.1:41235. Upload URLs from createUploadSession
// point there.
func (s *Server) UploadURL() string { return s.wr.up.url }

func (s *Server) startUploads() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic(fmt.Sprintf("fakegraph: failed to listen on a loopback port for uploads: %v", err))
		}
	}
	up := &uploadHost{ln: ln, url: "http://" + ln.Addr().String(), sessions: map[string]*uploadSession{}}
	up.hs = &http.Server{Handler: http.HandlerFunc(s.serveUpload), ReadHeaderTimeout: 10 * time.Second}
	s.wr.up = up
	go up.hs.Serve(ln)
}

func (s *Server) closeUploads() {
	if s.wr.up != nil {
		s.wr.up.hs.Close()
	}
}

// createUploadSession: POST messages/{id}/attachments/createUploadSession
// {"AttachmentItem": {"attachmentType": "file", "name", "size", …}} → 201.
// Under 3 MB: 400 ErrorAttachmentSizeShouldNotBeLessThanMinimumSize; over
// 150 MB: 400 ErrorAttachmentSizeExceedsMaximumSize; delegated on another's
// mailbox: 403 ErrorAccessDenied.
func (c *call) createUploadSession(u *User, m *Message) {
	o, err := c.body(false)
	if err != nil {
		c.answer(err)
		return
	}
	if !c.p.app && c.p.user != u {
		c.fail(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again. (Upload sessions with delegated permissions work only on the signed-in user's own mailbox.)")
		return
	}
	if !m.IsDraft {
		c.answer(errNotDraftAttachment)
		return
	}
	raw, ok := o.get("AttachmentItem")
	var item jsonObject
	if !ok || json.Unmarshal(raw, &item) != nil || item == nil {
		c.fail(http.StatusBadRequest, "ErrorInvalidParameter", "The parameter 'AttachmentItem' is missing.")
		return
	}
	ss := &uploadSession{u: u, m: m, token: randomToken(32), expires: time.Now().UTC().Add(15 * time.Minute)}
	kind := ""
	for k, v := range item {
		var err *apiError
		switch {
		case strings.EqualFold(k, "attachmentType"):
			kind, err = enumValue(v, "microsoft.graph.attachmentType", "file", "item", "reference")
		case strings.EqualFold(k, "name"):
			ss.name, err = stringValue(v, "name")
		case strings.EqualFold(k, "contentType"):
			ss.ctype, err = stringValue(v, "contentType")
		case strings.EqualFold(k, "isInline"):
			ss.inline, err = boolValue(v, "isInline")
		case strings.EqualFold(k, "contentId"):
			ss.cid, err = stringValue(v, "contentId")
		case strings.EqualFold(k, "size"):
			if json.Unmarshal(v, &ss.size) != nil {
				err = bodyRead("Property 'size' must be an integer (Edm.Int64).")
			}
		default:
			err = bodyRead(fmt.Sprintf("The property '%s' does not exist on type 'microsoft.graph.attachmentItem'.", k))
		}
		if err != nil {
			c.answer(err)
			return
		}
	}
	if kind != "file" || ss.name == "" {
		c.fail(http.StatusBadRequest, "ErrorInvalidRequest", "An upload session needs AttachmentItem.attachmentType 'file' and a name.")
		return
	}
	if ss.size < MaxInlineContent {
		c.fail(http.StatusBadRequest, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize", fmt.Sprintf("Attachment size must be at least 3 MB (%d bytes) for an upload session; this one is %d bytes: POST it to …/attachments instead.", MaxInlineContent, ss.size))
		return
	}
	if ss.size > MaxAttachmentSize {
		c.fail(http.StatusBadRequest, "ErrorAttachmentSizeExceedsMaximumSize", fmt.Sprintf("Attachment size must be at most 150 MB (%d bytes); this one is %d bytes.", MaxAttachmentSize, ss.size))
		return
	}
	sid := randomToken(24)
	up := c.s.wr.up
	up.mu.Lock()
	up.sessions[sid] = ss
	up.mu.Unlock()
	uploadURL := fmt.Sprintf("%s/api/v2.0/Users('%s')/Messages('%s')/AttachmentSessions('%s')?authtoken=%s", up.url, u.ID, m.ID, sid, ss.token)
	o2 := obj{b: []byte{'{'}}
	o2.str("@odata.context", c.context("microsoft.graph.uploadSession"))
	o2.str("uploadUrl", uploadURL)
	o2.str("expirationDateTime", ss.expires.Format("2006-01-02T15:04:05.0000000Z"))
	o2.key("nextExpectedRanges")
	o2.b = append(o2.b, `["0-"]`...)
	c.writeStatus(http.StatusCreated, append(o2.b, '}'))
}

var sessionPath = regexp.MustCompile(`^/api/v2\.0/Users\('[^']*'\)/Messages\('[^']*'\)/AttachmentSessions\('([^']*)'\)$`)

var contentRange = regexp.MustCompile(`^bytes (\d+)-(\d+)/(\d+)$`)

// serveUpload answers the upload host: PUT a byte range (at most 4 MB,
// Content-Range: bytes a-b/total, in order) → 200 with the next expected
// range, or 201 once complete (the attachment is then on the draft);
// DELETE cancels the session (204). A request carrying an Authorization
// header is refused with 401 InvalidAuthenticationToken: the URL is
// pre-authorised. Each request is logged in Requests with its Host.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	entry := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Query: r.URL.Query(), Header: r.Header.Clone(), Host: r.Host}
	if entry.Header.Get("Authorization") != "" {
		entry.Header.Set("Authorization", "Bearer [redacted]")
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxUploadChunk+1<<20))
	entry.Body = body
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency)
	}
	s.answerUpload(rec, r, body)
	entry.Status, entry.Bytes = rec.status, rec.bytes
	s.mu.Lock()
	s.log = append(s.log, entry)
	s.stats.Requests++
	s.stats.Bytes += int64(rec.bytes)
	s.mu.Unlock()
}

func uploadFail(w http.ResponseWriter, status int, code, msg string) {
	b := []byte(`{"error":{"code":`)
	b = jsonx.AppendString(b, code)
	b = append(b, `,"message":`...)
	b = jsonx.AppendString(b, msg)
	b = append(b, "}}"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) answerUpload(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Header.Get("Authorization") != "" {
		uploadFail(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The upload URL is pre-authorised (its authtoken); do not send a bearer token (Authorization header) to it.")
		return
	}
	up := s.wr.up
	match := sessionPath.FindStringSubmatch(r.URL.Path)
	up.mu.Lock()
	var ss *uploadSession
	if match != nil {
		ss = up.sessions[match[1]]
	}
	up.mu.Unlock()
	if ss == nil {
		uploadFail(w, http.StatusNotFound, "ErrorItemNotFound", "The upload session was not found: it expired, completed or was cancelled.")
		return
	}
	if r.URL.Query().Get("authtoken") != ss.token {
		uploadFail(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The upload URL's authtoken is missing or wrong.")
		return
	}
	switch r.Method {
	case http.MethodDelete:
		up.mu.Lock()
		delete(up.sessions, match[1])
		up.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodPut:
	default:
		uploadFail(w, http.StatusMethodNotAllowed, "invalidRequest", "The upload URL takes PUT (a byte range) or DELETE (cancel).")
		return
	}
	cr := contentRange.FindStringSubmatch(r.Header.Get("Content-Range"))
	if cr == nil {
		uploadFail(w, http.StatusBadRequest, "invalidRange", fmt.Sprintf("Content-Range must be 'bytes start-end/total'; got '%s'.", r.Header.Get("Content-Range")))
		return
	}
	start, _ := strconv.Atoi(cr[1])
	end, _ := strconv.Atoi(cr[2])
	total, _ := strconv.Atoi(cr[3])
	n := end - start + 1
	switch {
	case n > MaxUploadChunk || len(body) > MaxUploadChunk:
		uploadFail(w, http.StatusBadRequest, "invalidRequest", fmt.Sprintf("A PUT may carry at most 4 MB (%d bytes); this one carries %d: split the upload into smaller ranges.", MaxUploadChunk, max(n, len(body))))
		return
	case total != ss.size:
		uploadFail(w, http.StatusBadRequest, "invalidRange", fmt.Sprintf("Content-Range total %d differs from the session's size %d.", total, ss.size))
		return
	case end < start || end >= total || n != len(body):
		uploadFail(w, http.StatusBadRequest, "invalidRange", fmt.Sprintf("Content-Range bytes %d-%d does not match the %d bytes sent.", start, end, len(body)))
		return
	}
	up.mu.Lock()
	if start != len(ss.data) {
		next := len(ss.data)
		up.mu.Unlock()
		uploadFail(w, http.StatusRequestedRangeNotSatisfiable, "invalidRange", fmt.Sprintf("The next expected range starts at byte %d, not %d.", next, start))
		return
	}
	ss.data = append(ss.data, body...)
	complete := len(ss.data) == ss.size
	if complete {
		delete(up.sessions, match[1])
	}
	next := len(ss.data)
	up.mu.Unlock()
	if !complete {
		b := []byte(`{"@odata.context":`)
		b = jsonx.AppendString(b, up.url+"/api/v2.0/$metadata#Users('"+ss.u.ID+"')/Messages('"+ss.m.ID+"')/AttachmentSessions/$entity")
		b = append(b, `,"ExpirationDateTime":`...)
		b = jsonx.AppendString(b, ss.expires.Format("2006-01-02T15:04:05.0000000Z"))
		b = append(b, `,"NextExpectedRanges":[`...)
		b = jsonx.AppendString(b, strconv.Itoa(next)+"-")
		b = append(b, "]}"...)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(b)
		return
	}
	s.tmu.Lock()
	defer s.tmu.Unlock()
	if !slices.Contains(ss.u.Messages, ss.m) {
		uploadFail(w, http.StatusNotFound, "ErrorItemNotFound", "The draft of the upload session no longer exists.")
		return
	}
	a := &Attachment{Kind: "file", ID: newMessageID(), Name: ss.name, ContentType: ss.ctype, ContentID: ss.cid,
		IsInline: ss.inline, Size: ss.size, Content: ss.data, LastModified: nowUTC()}
	ss.m.Attachments = append(ss.m.Attachments, a)
	touched(ss.m)
	x := s.idx
	x.mu.Lock()
	delete(x.boxes, ss.u)
	x.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("%s/api/v2.0/Users('%s')/Messages('%s')/Attachments('%s')", up.url, ss.u.ID, ss.m.ID, a.ID))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

// uploadSessionsOpen is the number of upload sessions not completed or
// cancelled (for tests).
func (s *Server) uploadSessionsOpen() int {
	s.wr.up.mu.Lock()
	defer s.wr.up.mu.Unlock()
	return len(s.wr.up.sessions)
}

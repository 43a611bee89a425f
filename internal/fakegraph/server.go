package fakegraph

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a fake Graph tenant listening on loopback. Its knobs are safe
// to call from any goroutine while it serves.
type Server struct {
	// URL is the root, e.g. http://127.0.0.1:41234. Graph is under /v1.0,
	// the identity platform under /{tenant}/oauth2/v2.0/.
	URL string

	ln net.Listener
	hs *http.Server

	tmu    sync.RWMutex // tenant and indexes: read by requests, written by Update
	tenant *Tenant
	idx    *index

	mu             sync.Mutex
	log            []Request
	stats          Stats
	latency        time.Duration
	failN          int
	failStatus     int
	failRetryAfter string
	dropN          int
	concurrency    int
	concRetryAfter string
	inflight       map[string]int
	serving        int // Graph HTTP requests being served
	peak, peakBox  int // the most of serving, and of one mailbox's inflight, since ResetRequests
	access         map[string]*accessToken
	refresh        map[string]*refreshToken
	serial         int
	logGen         int // counts ResetRequests, so a response never updates a newer log
	tooComplex     atomic.Bool
	pageRedirect   redirectTo // answers nextLink pages with a redirect
	tokenRedirect  redirectTo // answers token requests with a redirect
	rotatedGrace   time.Duration
	pageCap        atomic.Int64 // most items on a page, whatever $top asks (0: no cap)
	maxPageBytes   atomic.Int64 // a larger listing page answers 504 (pagebytes.go)
	accessLifetime time.Duration
	idp            identity // interactive sign-in: codes, device codes
	wr             writeState
	delta          deltaStore // delta and skip tokens (delta.go)
}

// Request is one Graph request (not token requests) as the server saw it.
type Request struct {
	Method   string
	Path     string // decoded path, e.g. /v1.0/users/a@b/messages
	RawQuery string
	Query    url.Values
	// Header is the request's headers; Authorization is redacted to
	// "Bearer [redacted]".
	Header http.Header
	// Status is the response status; 0 for a dropped connection.
	Status int
	// Bytes is the size of the response body.
	Bytes int
	// Subject is who the access token was issued to: a userPrincipalName,
	// "app" for an app-only token, "" when there was no valid token.
	Subject string
	// TokenSerial numbers the access token used (1 for the first issued);
	// 0 when there was no valid token.
	TokenSerial int
	// Inner, for a POST to /v1.0/$batch, is the requests inside the batch
	// in the batch's order, each with its own status (Header is the inner
	// request's headers, which carry no Authorization).
	Inner []Request
	// Body is the request body of a write (POST, PATCH, PUT, DELETE), nil
	// for GET; for a request inside a batch, its "body" JSON as sent.
	Body []byte
	// Host is the host:port the request was sent to: the server's, or the
	// upload host's (UploadURL) for upload-session PUTs.
	Host string
}

// Stats counts Graph requests and response bytes, and token requests.
type Stats struct {
	Requests      int // HTTP requests; a $batch POST counts once
	Bytes         int64
	TokenRequests int
	Inner         int // requests inside $batch POSTs
}

// Option configures a Server in New.
type Option func(*Server)

// WithLatency delays every Graph response by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithMailboxConcurrency sets the per-mailbox limit of concurrent requests
// (Graph's is 4, the default); 0 means no limit.
func WithMailboxConcurrency(n int) Option { return func(s *Server) { s.concurrency = n } }

// WithAccessTokenLifetime sets how long issued access tokens are valid
// (default 3599 s, as Entra).
func WithAccessTokenLifetime(d time.Duration) Option {
	return func(s *Server) { s.accessLifetime = d }
}

// WithRotatedTokenGrace sets how long a refresh token keeps working after
// it was rotated (used once): negative means forever (the default, as
// Entra, which does not revoke old refresh tokens on use), 0 means it is
// revoked at once.
func WithRotatedTokenGrace(d time.Duration) Option {
	return func(s *Server) { s.rotatedGrace = d }
}

// WithPageCap makes every page of a listing (messages, folders,
// attachments, users) hold at most n items, whatever $top asks, as Graph
// may ("a page may hold fewer items even when more exist"): a client must
// follow @odata.nextLink. 0 (the default) means pages of $top.
func WithPageCap(n int) Option { return func(s *Server) { s.pageCap.Store(int64(n)) } }

// SetPageCap is WithPageCap on a running server.
func (s *Server) SetPageCap(n int) { s.pageCap.Store(int64(n)) }

// capPage is the number of items a page of the given size may hold.
func (c *call) capPage(page int) int {
	if n := int(c.s.pageCap.Load()); n > 0 && page > n {
		return n
	}
	return page
}

// New starts a fake Graph tenant serving t on a loopback port. The server
// reads t while it serves; change it only through Update.
func New(t *Tenant, opts ...Option) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic(fmt.Sprintf("fakegraph: failed to listen on a loopback port: %v", err))
		}
	}
	s := &Server{
		URL:            "http://" + ln.Addr().String(),
		ln:             ln,
		tenant:         t,
		idx:            newIndex(t),
		concurrency:    4,
		concRetryAfter: "0.05",
		inflight:       map[string]int{},
		access:         map[string]*accessToken{},
		refresh:        map[string]*refreshToken{},
		rotatedGrace:   -1,
		accessLifetime: 3599 * time.Second,
	}
	for _, o := range opts {
		o(s)
	}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.hs.Serve(ln)
	s.startUploads()
	return s
}

// Close shuts the server down, closing all connections.
func (s *Server) Close() {
	s.hs.Close()
	s.closeUploads()
}

// GraphURL is the Graph root, URL+"/v1.0": the connection string's BaseUrl.
func (s *Server) GraphURL() string { return s.URL + "/v1.0" }

// TokenURL is the token endpoint of the tenant's name,
// URL+"/contoso/oauth2/v2.0/token".
func (s *Server) TokenURL() string { return s.URL + "/" + s.tenantName() + "/oauth2/v2.0/token" }

// AuthURL is the authorization endpoint, URL+"/contoso/oauth2/v2.0/authorize".
func (s *Server) AuthURL() string { return s.URL + "/" + s.tenantName() + "/oauth2/v2.0/authorize" }

func (s *Server) tenantName() string {
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	if s.tenant.Name != "" {
		return s.tenant.Name
	}
	return "contoso"
}

// Tenant returns the served tenant, live: write requests change it in
// place, so while writes may be served read a Snapshot instead. Change it
// only inside Update.
func (s *Server) Tenant() *Tenant {
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	return s.tenant
}

// Update runs f with the tenant locked against requests, then re-indexes it.
func (s *Server) Update(f func(t *Tenant)) {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	f(s.tenant)
	s.idx = newIndex(s.tenant)
}

// Requests returns a copy of the Graph request log, in completion order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetRequests clears the request log and the counters.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.logGen++
	s.stats = Stats{}
	s.peak, s.peakBox = s.serving, 0
}

// Peak returns, since start or the last ResetRequests, the most Graph HTTP
// requests served at once and the most requests holding one mailbox's
// concurrency slots at once (requests inside a $batch included).
func (s *Server) Peak() (requests, mailbox int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, s.peakBox
}

// Stats returns the counters since start or the last ResetRequests.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// SetLatency delays every later Graph response by d (0: none).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// FailNext makes the next n Graph requests fail with status: 429
// (TooManyRequests), 503 (ServiceUnavailable), 500, 504 or any other.
// retryAfter, when not "", is sent as the Retry-After header (fractional
// seconds such as "0.05" are allowed, as Graph sends).
//
// Inside a $batch the failures fall on the inner requests, in the order the
// batch runs them, each answered with its own status and Retry-After as
// Graph throttles each inner request; the batch POST itself still answers
// 200. (DropNext, a lost connection, applies to the POST.)
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	s.failN, s.failStatus, s.failRetryAfter = n, status, retryAfter
	s.mu.Unlock()
}

// SetTooComplex makes every message listing with both $filter and $orderby
// fail with 400 InefficientFilter, as Graph may do even when the filter
// follows the rule ("some combinations may still be too complex").
func (s *Server) SetTooComplex(on bool) { s.tooComplex.Store(on) }

// DropNext makes the next n Graph requests lose their connection: the
// server closes it without a response.
func (s *Server) DropNext(n int) {
	s.mu.Lock()
	s.dropN = n
	s.mu.Unlock()
}

// SetMailboxConcurrency sets the per-mailbox limit of concurrent requests
// (0: none). A request over it gets 429 with Retry-After: retryAfter.
func (s *Server) SetMailboxConcurrency(n int, retryAfter string) {
	s.mu.Lock()
	s.concurrency, s.concRetryAfter = n, retryAfter
	s.mu.Unlock()
}

// redirectTo is a redirect a knob asks for; a zero status means none.
type redirectTo struct {
	status int
	to     string
}

// answer redirects r to the same path and query on rt.to.
func (rt redirectTo) answer(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Location", strings.TrimRight(rt.to, "/")+r.URL.RequestURI())
	w.WriteHeader(rt.status)
}

// RedirectPages makes every later Graph request for a page after the first
// (one whose query has $skip or $skiptoken, as nextLinks do) answer status
// (301, 302, 303, 307 or 308) with Location: the same path and query under
// to, e.g. another server's URL. Status 0 stops it.
func (s *Server) RedirectPages(status int, to string) {
	s.mu.Lock()
	s.pageRedirect = redirectTo{status, to}
	s.mu.Unlock()
}

// RedirectTokenRequests makes every later request to the token endpoint
// answer status (e.g. 307, which tells a client to repeat the POST, body
// and all) with Location: the same path and query under to. It is counted
// in Stats.TokenRequests. Status 0 stops it.
func (s *Server) RedirectTokenRequests(status int, to string) {
	s.mu.Lock()
	s.tokenRedirect = redirectTo{status, to}
	s.mu.Unlock()
}

// newRequestID returns a random GUID.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// recorder counts the bytes and keeps the status of a response. before is
// called with each chunk's size before the chunk is written, so that the
// request log is complete by the time a client has read the response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	before func(n int)
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.bytes += len(b)
	if r.before != nil {
		r.before(len(b))
	}
	return r.ResponseWriter.Write(b)
}

// ServeHTTP serves Graph under /v1.0 and the identity platform under
// /{tenant}/oauth2/v2.0/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	if p == "/v1.0" || strings.HasPrefix(p, "/v1.0/") {
		s.serveGraph(w, r)
		return
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) == 4 && segs[1] == "oauth2" && segs[2] == "v2.0" {
		tenant, _ := url.PathUnescape(segs[0])
		switch segs[3] {
		case "token":
			s.serveToken(w, r, tenant)
			return
		case "authorize":
			s.serveAuthorize(w, r, tenant)
			return
		case "devicecode":
			s.serveDeviceCode(w, r, tenant)
			return
		}
	}
	if p == "/devicelogin" {
		s.serveDeviceLogin(w, r)
		return
	}
	http.NotFound(w, r)
}

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w}
	entry := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Query: r.URL.Query(), Header: r.Header.Clone(), Host: r.Host}
	if entry.Header.Get("Authorization") != "" {
		entry.Header.Set("Authorization", "Bearer [redacted]")
	}
	if isWrite(r.Method) || isBatch(r) {
		entry.Body = readBody(r)
	}
	logged, at, gen := false, 0, 0
	logIt := func() {
		if logged {
			return
		}
		logged = true
		entry.Status, entry.Bytes = rec.status, rec.bytes
		s.mu.Lock()
		at, gen = len(s.log), s.logGen
		s.log = append(s.log, entry)
		s.stats.Requests++
		s.stats.Bytes += int64(rec.bytes)
		s.mu.Unlock()
	}
	// Log the request before its body reaches the client, and count any
	// later chunks into the same entry.
	rec.before = func(n int) {
		if !logged {
			rec.bytes -= n
			logIt()
			rec.bytes += n
		}
		s.mu.Lock()
		if gen == s.logGen && at < len(s.log) {
			s.log[at].Bytes += n
		}
		s.stats.Bytes += int64(n)
		s.mu.Unlock()
	}
	defer logIt()

	batch := isBatch(r)
	s.mu.Lock()
	redir := s.pageRedirect
	s.mu.Unlock()
	if q := r.URL.Query(); redir.status != 0 && !batch && (q.Has("$skip") || q.Has("$skiptoken")) {
		redir.answer(rec, r)
		return
	}
	s.mu.Lock()
	drop, fail, failStatus, retry := false, false, 0, ""
	if s.dropN > 0 {
		s.dropN--
		drop = true
	} else if s.failN > 0 && !batch {
		s.failN--
		fail, failStatus, retry = true, s.failStatus, s.failRetryAfter
	} else if !batch && isWrite(r.Method) {
		fail, failStatus, retry = s.takeWriteThrottle()
	}
	dropAfter := !drop && !fail && !batch && isWrite(r.Method) && s.takeDropAfter()
	latency := s.latency
	s.serving++
	s.peak = max(s.peak, s.serving)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.serving--
		s.mu.Unlock()
	}()

	if drop {
		logIt() // before the client can see the closed connection
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}

	c := &call{s: s, w: rec, r: r, reqID: newRequestID(), clientReqID: r.Header.Get("client-request-id")}
	if c.clientReqID == "" {
		c.clientReqID = c.reqID
	}
	h := rec.Header()
	h.Set("request-id", c.reqID)
	h.Set("client-request-id", c.clientReqID)
	h.Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Loopback","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"fakegraph"}}`)
	h.Set("Strict-Transport-Security", "max-age=31536000")

	if batch {
		if s.serveBatch(c, &entry, latency) {
			logIt()
			dropConnection(w)
		}
		return
	}
	if dropAfter {
		// Apply the write, answer into the void, then lose the connection.
		c.w = &recorder{ResponseWriter: &bufWriter{h: http.Header{}}}
		s.serve(c, &entry, false, 0, "", latency)
		logIt()
		dropConnection(w)
		return
	}
	s.serve(c, &entry, fail, failStatus, retry, latency)
}

// serve answers one Graph request, on its own or inside a batch: an
// injected failure, or authentication and routing. It sets entry's
// Subject and TokenSerial.
func (s *Server) serve(c *call, entry *Request, fail bool, failStatus int, retry string, latency time.Duration) {
	if fail {
		if latency > 0 {
			time.Sleep(latency)
		}
		c.failInjected(failStatus, retry)
		return
	}

	p, ok := s.authenticate(c)
	if !ok {
		return
	}
	c.p = p
	entry.Subject, entry.TokenSerial = p.subject(), p.serial
	if c.r.Method != http.MethodGet && c.r.Method != http.MethodHead && !isWrite(c.r.Method) {
		c.fail(http.StatusMethodNotAllowed, "ErrorInvalidRequest", fmt.Sprintf("The OData request is not supported: method %s is not served by this fake.", c.r.Method))
		return
	}
	c.latency = latency
	if isWrite(c.r.Method) {
		// Writes hold the tenant exclusively, except while they wait out
		// the latency (see acquire).
		c.write = true
		s.tmu.Lock()
		defer s.tmu.Unlock()
		c.route()
		return
	}
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	c.route()
}

// call is one Graph request being served.
type call struct {
	s           *Server
	w           *recorder
	r           *http.Request
	p           *principal
	reqID       string
	clientReqID string
	latency     time.Duration
	slot        string // the mailbox whose concurrency slot is held
	query       *query
	textBody    bool   // Prefer: outlook.body-content-type="text"
	timeZone    string // Prefer: outlook.timezone="…"
	basic       bool   // only Mail.ReadBasic: no bodies, no attachments
	user        *User  // the mailbox owner
	write       bool   // a write (POST, PATCH, PUT, DELETE): holds tmu exclusively
}

// fail writes Graph's error body.
func (c *call) fail(status int, code, msg string) {
	now := time.Now().UTC().Format("2006-01-02T15:04:05")
	o := obj{b: []byte(`{"error":`)}
	o.b = append(o.b, '{')
	o.str("code", code)
	o.str("message", msg)
	o.key("innerError")
	in := obj{b: []byte{'{'}}
	in.str("date", now)
	in.str("request-id", c.reqID)
	in.str("client-request-id", c.clientReqID)
	o.b = append(append(o.b, in.b...), '}')
	o.b = append(o.b, "}}"...)
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	c.w.Write(o.b)
}

func (c *call) failInjected(status int, retry string) {
	if retry != "" {
		c.w.Header().Set("Retry-After", retry)
	}
	switch status {
	case http.StatusTooManyRequests:
		now := time.Now().UTC().Format("2006-01-02T15:04:05")
		body := fmt.Sprintf(`{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":%q,"message":"Please retry after","request-id":%q,"status":"429"},"message":"Please retry again later."}}`, now, c.reqID)
		c.w.Header().Set("Content-Type", "application/json")
		c.w.WriteHeader(status)
		c.w.Write([]byte(body))
	case http.StatusServiceUnavailable:
		c.fail(status, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.")
	case http.StatusGatewayTimeout:
		c.fail(status, "UnknownError", "")
	case http.StatusInternalServerError:
		c.fail(status, "generalException", "An unspecified error has occurred.")
	default:
		c.fail(status, "UnknownError", http.StatusText(status))
	}
}

// writeJSON sends a 200 JSON body.
func (c *call) writeJSON(b []byte) {
	h := c.w.Header()
	h.Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	h.Set("OData-Version", "4.0")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	c.w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		c.w.Write(b)
	}
	putBuf(b)
}

// bufPool recycles response buffers: pages of 1000 messages are large.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func getBuf() []byte { return (*bufPool.Get().(*[]byte))[:0] }

func putBuf(b []byte) {
	if cap(b) <= 16<<20 {
		bufPool.Put(&b)
	}
}

// acquire takes a concurrency slot on a mailbox, or answers 429. The slot
// is released by release; latency is spent while holding it.
func (c *call) acquire(mailbox string) bool {
	if mailbox == "" { // not a mailbox: latency only
		c.sleep()
		return true
	}
	s := c.s
	s.mu.Lock()
	limit, retry := s.concurrency, s.concRetryAfter
	if limit > 0 && s.inflight[mailbox] >= limit {
		s.mu.Unlock()
		if retry != "" {
			c.w.Header().Set("Retry-After", retry)
		}
		c.fail(http.StatusTooManyRequests, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.")
		return false
	}
	s.inflight[mailbox]++
	s.peakBox = max(s.peakBox, s.inflight[mailbox])
	s.mu.Unlock()
	c.slot = mailbox
	c.sleep()
	return true
}

// sleep spends the latency; a write lets go of the tenant meanwhile, so
// that concurrent requests overlap as they do against Graph.
func (c *call) sleep() {
	if c.latency <= 0 {
		return
	}
	if c.write {
		c.s.tmu.Unlock()
		defer c.s.tmu.Lock()
	}
	time.Sleep(c.latency)
}

func (c *call) release() {
	if c.slot == "" {
		return
	}
	c.s.mu.Lock()
	c.s.inflight[c.slot]--
	c.s.mu.Unlock()
	c.slot = ""
}

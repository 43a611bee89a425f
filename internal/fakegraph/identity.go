package fakegraph

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The interactive side of the identity platform: the authorization
// endpoint with its sign-in and consent page, the authorization_code grant
// with PKCE, and the device code flow (REFERENCE §6.2, §6.6).

// NativeClientRedirect is the redirect URI Entra offers native apps that
// cannot listen on loopback: the browser ends on this (blank) page and the
// user copies its address.
const NativeClientRedirect = "https://login.microsoftonline.com/common/oauth2/nativeclient"

// Lifetimes as Entra's.
const (
	authCodeLifetime      = 10 * time.Minute
	defaultDeviceInterval = 5 * time.Second
	defaultDeviceLifetime = 15 * time.Minute
)

const deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"

// identity is the state of the interactive flows; Server.mu guards it.
type identity struct {
	codes          map[string]*authCode
	devices        map[string]*deviceCode // by device_code
	autoApprove    string                 // userPrincipalName; "" shows the page
	codeLifetime   time.Duration
	deviceInterval time.Duration
	deviceLifetime time.Duration
}

// authCode is an issued authorization code.
type authCode struct {
	clientID, redirectURI string
	upn                   string
	scopes                []string
	challenge, method     string
	expires               time.Time
	used                  bool
}

// deviceCode is a device code and its user code.
type deviceCode struct {
	clientID string
	userCode string
	scopes   []string
	expires  time.Time
	interval time.Duration
	lastPoll time.Time
	upn      string // set when approved
	declined bool
	redeemed bool
}

// WithDeviceCodeInterval sets the polling interval the device code endpoint
// asks for (default 5 s, as Entra); polls closer together than this get
// slow_down. Whole seconds: clients read it as an integer.
func WithDeviceCodeInterval(d time.Duration) Option {
	return func(s *Server) { s.idp.deviceInterval = d }
}

// WithDeviceCodeLifetime sets how long a device code can be approved and
// redeemed (default 15 minutes, as Entra); after it, polling gets
// expired_token.
func WithDeviceCodeLifetime(d time.Duration) Option {
	return func(s *Server) { s.idp.deviceLifetime = d }
}

// SetAutoApprove makes the authorization endpoint sign upn in and consent
// at once, answering a valid request with the redirect carrying the code,
// without the HTML page: a plain http.Client that follows redirects then
// completes the authorization code flow. "" restores the page. It panics if
// no user has that userPrincipalName.
func (s *Server) SetAutoApprove(upn string) {
	if upn != "" {
		upn = s.userByUPN(upn).UserPrincipalName
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idp.autoApprove = upn
}

// ApproveDeviceCode signs upn in for the pending device code whose user
// code is userCode, as a user would on the verification page; the client's
// next poll gets the tokens.
func (s *Server) ApproveDeviceCode(userCode, upn string) error {
	u, ok := s.findUser(upn)
	if !ok {
		return fmt.Errorf("fakegraph: no user %q in the tenant", upn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.pendingDevice(userCode)
	if err != nil {
		return err
	}
	d.upn = u.UserPrincipalName
	return nil
}

// DeclineDeviceCode declines the pending device code whose user code is
// userCode: the client's next poll gets authorization_declined.
func (s *Server) DeclineDeviceCode(userCode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.pendingDevice(userCode)
	if err != nil {
		return err
	}
	d.declined = true
	return nil
}

// DeviceLoginURL is the device code flow's verification page, where a user
// enters the user code: URL+"/devicelogin".
func (s *Server) DeviceLoginURL() string { return s.URL + "/devicelogin" }

// pendingDevice finds a device code by user code; the caller holds s.mu.
func (s *Server) pendingDevice(userCode string) (*deviceCode, error) {
	userCode = strings.ToUpper(strings.TrimSpace(userCode))
	for _, d := range s.idp.devices {
		if d.userCode != userCode {
			continue
		}
		switch {
		case time.Now().After(d.expires):
			return nil, fmt.Errorf("fakegraph: the code %s has expired", userCode)
		case d.upn != "" || d.declined:
			return nil, fmt.Errorf("fakegraph: the code %s was already used", userCode)
		}
		return d, nil
	}
	return nil, fmt.Errorf("fakegraph: no device code has the user code %q", userCode)
}

func (s *Server) findUser(upn string) (*User, bool) {
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	u := s.idx.users[strings.ToLower(upn)]
	return u, u != nil
}

func (s *Server) tenantUPNs() []string {
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	var out []string
	for _, u := range s.tenant.Users {
		out = append(out, u.UserPrincipalName)
	}
	return out
}

// idpDefaults fills in the zero settings; the caller holds s.mu.
func (s *Server) idpDefaults() *identity {
	id := &s.idp
	if id.codes == nil {
		id.codes = map[string]*authCode{}
		id.devices = map[string]*deviceCode{}
	}
	if id.codeLifetime == 0 {
		id.codeLifetime = authCodeLifetime
	}
	if id.deviceInterval == 0 {
		id.deviceInterval = defaultDeviceInterval
	}
	if id.deviceLifetime == 0 {
		id.deviceLifetime = defaultDeviceLifetime
	}
	return id
}

// registeredRedirect reports whether both apps registered uri: a loopback
// http URI on any port (Entra ignores the port of loopback redirect URIs,
// RFC 8252 §7.3) or the native-client page.
func registeredRedirect(uri string) bool {
	if uri == NativeClientRedirect {
		return true
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" {
		return false
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// grantScopes checks the requested scopes (space-separated) and returns the
// granted ones with their canonical names. A scope only an admin may grant
// gives admin true.
func grantScopes(scope string) (granted []string, e *tokenError, admin bool) {
	if strings.TrimSpace(scope) == "" {
		return nil, &tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."}, false
	}
	for _, x := range strings.Fields(scope) {
		n, graph := normScope(x)
		if !graph {
			return nil, &tokenError{400, "invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", x)}, false
		}
		if strings.EqualFold(n, ".default") {
			for _, d := range DelegatedScopes {
				if !slices.Contains(granted, d) {
					granted = append(granted, d)
				}
			}
			continue
		}
		canon, ok := findScope(DelegatedScopes, n)
		if !ok {
			canon, ok = findScope(ConsentableScopes, n)
		}
		if !ok {
			if slices.ContainsFunc(otherGraphScopes, func(o string) bool { return strings.EqualFold(o, n) }) {
				return nil, &tokenError{400, "consent_required", 90094, "The grant requires admin permission."}, true
			}
			return nil, &tokenError{400, "invalid_scope", 70011, fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope '%s' does not exist.", x)}, false
		}
		if !slices.Contains(granted, canon) {
			granted = append(granted, canon)
		}
	}
	return granted, nil, false
}

// authRequest is a checked authorization request.
type authRequest struct {
	query       url.Values // as received
	clientID    string
	redirectURI string
	state       string
	mode        string // response_mode: query, fragment or form_post
	scopes      []string
	challenge   string
	method      string
	loginHint   string
}

// checkAuthorize validates an authorization request. Errors Entra shows on
// its own page (bad client or redirect URI) come back as page; those it
// sends to the app come back as redirect.
func (s *Server) checkAuthorize(q url.Values) (ar *authRequest, page, redirect *tokenError) {
	for k, v := range q {
		if len(v) > 1 {
			return nil, &tokenError{400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid. The parameter '" + k + "' is duplicated."}, nil
		}
	}
	ar = &authRequest{query: q, clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), state: q.Get("state"),
		mode: q.Get("response_mode"), challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"), loginHint: q.Get("login_hint")}
	switch {
	case ar.clientID == "":
		return nil, &tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."}, nil
	case ar.clientID != ClientID && ar.clientID != PublicClientID:
		return nil, &tokenError{400, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", ar.clientID, s.tenantName())}, nil
	case ar.redirectURI == "":
		return nil, &tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'redirect_uri'."}, nil
	case !registeredRedirect(ar.redirectURI):
		return nil, &tokenError{400, "invalid_request", 50011, fmt.Sprintf("The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.", ar.redirectURI, ar.clientID)}, nil
	}
	switch ar.mode {
	case "":
		ar.mode = "query"
	case "query", "fragment", "form_post":
	default:
		ar.mode = "query"
		return ar, nil, &tokenError{400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid. The parameter 'response_mode' has an invalid value."}
	}
	if rt := q.Get("response_type"); rt != "code" {
		if rt == "" {
			return ar, nil, &tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'response_type'."}
		}
		return ar, nil, &tokenError{400, "unsupported_response_type", 700054, fmt.Sprintf("response_type '%s' is not enabled for the application.", rt)}
	}
	scopes, e, admin := grantScopes(q.Get("scope"))
	if admin {
		return ar, e, nil // "Need admin approval" is a page
	}
	if e != nil {
		return ar, nil, e
	}
	ar.scopes = scopes
	switch ar.method {
	case "":
		if ar.challenge != "" {
			ar.method = "plain"
		}
	case "S256", "plain":
		if ar.challenge == "" {
			return ar, nil, &tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'code_challenge'."}
		}
	default:
		return ar, nil, &tokenError{400, "invalid_request", 5000811, "Invalid code_challenge_method: use S256 or plain."}
	}
	switch q.Get("prompt") {
	case "", "login", "consent", "select_account":
	case "none":
		if s.autoApproving() == "" {
			return ar, nil, &tokenError{400, "login_required", 50058, "A silent sign-in request was sent but no user is signed in."}
		}
	default:
		return ar, nil, &tokenError{400, "invalid_request", 90023, fmt.Sprintf("The 'prompt' parameter value '%s' is not supported.", q.Get("prompt"))}
	}
	return ar, nil, nil
}

func (s *Server) autoApproving() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idp.autoApprove
}

// serveAuthorize is the authorization endpoint. GET checks the request and
// shows the sign-in and consent page (or, with SetAutoApprove, redirects at
// once); the page POSTs back here with the user's choice.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request, tenant string) {
	if !s.tenantKnown(tenant) {
		s.idpPage(w, http.StatusBadRequest, &tokenError{400, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant)})
		return
	}
	var q url.Values
	switch r.Method {
	case http.MethodGet:
		q = r.URL.Query()
	case http.MethodPost:
		r.ParseForm()
		var err error
		if q, err = url.ParseQuery(r.PostForm.Get("request")); err != nil {
			s.idpPage(w, http.StatusBadRequest, &tokenError{400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid."})
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ar, page, redirect := s.checkAuthorize(q)
	if page != nil {
		s.idpPage(w, page.status, page)
		return
	}
	if redirect != nil {
		s.redirectBack(w, ar, url.Values{"error": {redirect.err}, "error_description": {fmt.Sprintf("AADSTS%d: %s", redirect.code, redirect.desc)}})
		return
	}
	if r.Method == http.MethodGet {
		if upn := s.autoApproving(); upn != "" {
			s.redirectBack(w, ar, url.Values{"code": {s.issueCode(ar, upn)}})
			return
		}
		s.consentPage(w, ar)
		return
	}
	switch r.PostForm.Get("action") {
	case "accept":
		u, ok := s.findUser(r.PostForm.Get("user"))
		if !ok {
			s.idpPage(w, http.StatusBadRequest, &tokenError{400, "invalid_request", 50034, "The user account does not exist in the directory."})
			return
		}
		s.redirectBack(w, ar, url.Values{"code": {s.issueCode(ar, u.UserPrincipalName)}})
	case "cancel":
		s.redirectBack(w, ar, url.Values{"error": {"access_denied"}, "error_description": {"AADSTS65004: User declined to consent to access the app."}})
	default:
		s.idpPage(w, http.StatusBadRequest, &tokenError{400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid."})
	}
}

// issueCode issues an authorization code for upn.
func (s *Server) issueCode(ar *authRequest, upn string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.idpDefaults()
	code := "0.AQ" + randomToken(90)
	id.codes[code] = &authCode{clientID: ar.clientID, redirectURI: ar.redirectURI, upn: upn, scopes: ar.scopes,
		challenge: ar.challenge, method: ar.method, expires: time.Now().Add(id.codeLifetime)}
	return code
}

// redirectBack sends the browser to the app's redirect URI with params
// (and state) in the requested response mode.
func (s *Server) redirectBack(w http.ResponseWriter, ar *authRequest, params url.Values) {
	if ar.state != "" {
		params.Set("state", ar.state)
	}
	switch ar.mode {
	case "form_post":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		formPostPage.Execute(w, map[string]any{"Action": ar.redirectURI, "Params": params})
		return
	case "fragment":
		w.Header().Set("Location", ar.redirectURI+"#"+params.Encode())
		w.Header().Set("Cache-Control", "no-store, no-cache")
		w.WriteHeader(http.StatusFound)
		return
	}
	u, _ := url.Parse(ar.redirectURI)
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(http.StatusFound)
}

var pageStyle = `<style>body{font-family:sans-serif;max-width:30em;margin:3em auto}button{margin-right:1em}li{font-family:monospace}</style>`

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in to your account</title>` + pageStyle + `</head><body>
<h1>Sign in</h1>
<form method="post" action="">
<input type="hidden" name="request" value="{{.Request}}">
<p><label for="user">Account</label>
<select id="user" name="user">{{range .Users}}<option value="{{.}}"{{if eq . $.Hint}} selected{{end}}>{{.}}</option>{{end}}</select></p>
<h2>Permissions requested</h2>
<p>The app <b>{{.Client}}</b> would like to:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<p><button id="consent" name="action" value="accept" type="submit">Accept</button>
<button id="cancel" name="action" value="cancel" type="submit">Cancel</button></p>
</form></body></html>
`))

// consentPage shows the sign-in and consent form for ar.
func (s *Server) consentPage(w http.ResponseWriter, ar *authRequest) {
	users := s.tenantUPNs()
	hint := ""
	for _, u := range users {
		if strings.EqualFold(u, ar.loginHint) {
			hint = u
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	consentPage.Execute(w, map[string]any{"Request": ar.query.Encode(), "Users": users, "Hint": hint,
		"Client": ar.clientID, "Scopes": ar.scopes})
}

var formPostPage = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html><head><title>Working...</title></head><body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">{{range $k, $v := .Params}}{{range $v}}<input type="hidden" name="{{$k}}" value="{{.}}">{{end}}{{end}}
<noscript><button type="submit">Continue</button></noscript></form></body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in to your account</title>` + pageStyle + `</head><body>
<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error">AADSTS{{.Code}}: {{.Desc}}</p>
</body></html>
`))

// idpPage shows an error page that stays at the identity platform.
func (s *Server) idpPage(w http.ResponseWriter, status int, e *tokenError) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	errorPage.Execute(w, map[string]any{"Code": e.code, "Desc": e.desc})
}

// grantAuthCode redeems an authorization code (grant_type=authorization_code).
// A code is spent by its first redemption attempt, successful or not.
func (s *Server) grantAuthCode(w http.ResponseWriter, form url.Values, clientID string, fail func(tokenError)) {
	code := form.Get("code")
	if code == "" {
		fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'code'."})
		return
	}
	if form.Get("redirect_uri") == "" {
		fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'redirect_uri'."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.idpDefaults().codes[code]
	switch {
	case c == nil:
		fail(tokenError{400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."})
		return
	case c.used:
		fail(tokenError{400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."})
		return
	}
	c.used = true
	switch {
	case time.Now().After(c.expires):
		fail(tokenError{400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."})
		return
	case c.clientID != clientID:
		fail(tokenError{400, "invalid_grant", 70000, "Provided grant is invalid or malformed."})
		return
	case form.Get("redirect_uri") != c.redirectURI:
		fail(tokenError{400, "invalid_grant", 500112, fmt.Sprintf("The reply address '%s' does not match the reply address '%s' provided when requesting Authorization code.", form.Get("redirect_uri"), c.redirectURI)})
		return
	}
	if c.challenge != "" {
		v := form.Get("code_verifier")
		if v == "" {
			fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'code_verifier'."})
			return
		}
		want := v
		if c.method == "S256" {
			sum := sha256.Sum256([]byte(v))
			want = base64.RawURLEncoding.EncodeToString(sum[:])
		}
		if want != c.challenge {
			fail(tokenError{400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."})
			return
		}
	}
	writeTokenJSON(w, s.userTokens(c.upn, clientID, c.scopes))
}

// userTokens issues the tokens of a completed sign-in, shaped as Entra's
// response: a refresh token only with offline_access, an id_token only
// with openid, and "scope" listing the granted permissions (without
// offline_access). The caller holds s.mu.
func (s *Server) userTokens(upn, clientID string, scopes []string) map[string]any {
	tok, at := s.newAccessToken(upn, clientID, scopes)
	exp := int(time.Until(at.expires).Round(time.Second) / time.Second)
	var shown []string
	for _, sc := range scopes {
		if !strings.EqualFold(sc, "offline_access") {
			shown = append(shown, sc)
		}
	}
	resp := map[string]any{"token_type": "Bearer", "scope": strings.Join(shown, " "), "expires_in": exp, "ext_expires_in": exp, "access_token": tok}
	if _, ok := findScope(scopes, "offline_access"); ok {
		resp["refresh_token"] = s.newRefreshToken(upn, clientID, scopes)
	}
	if _, ok := findScope(scopes, "openid"); ok {
		idc, _ := json.Marshal(map[string]any{"aud": clientID, "iss": s.URL + "/" + s.tenant.ID + "/v2.0", "preferred_username": upn, "tid": s.tenant.ID, "ver": "2.0"})
		resp["id_token"] = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(idc) + "."
	}
	return resp
}

// serveDeviceCode is POST /{tenant}/oauth2/v2.0/devicecode.
func (s *Server) serveDeviceCode(w http.ResponseWriter, r *http.Request, tenant string) {
	fail := func(e tokenError) { s.writeTokenError(w, r, e) }
	if r.Method != http.MethodPost {
		fail(tokenError{400, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a " + r.Method + " request."})
		return
	}
	if !s.tenantKnown(tenant) {
		fail(tokenError{400, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant)})
		return
	}
	r.ParseForm()
	form := r.PostForm
	clientID := form.Get("client_id")
	switch {
	case clientID == "":
		fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."})
		return
	case clientID != ClientID && clientID != PublicClientID:
		fail(tokenError{400, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, tenant)})
		return
	}
	scopes, e, _ := grantScopes(form.Get("scope"))
	if e != nil {
		fail(*e)
		return
	}
	s.mu.Lock()
	id := s.idpDefaults()
	d := &deviceCode{clientID: clientID, userCode: userCode(), scopes: scopes,
		expires: time.Now().Add(id.deviceLifetime), interval: id.deviceInterval}
	dc := "DAQABAAEAAAD" + randomToken(120)
	id.devices[dc] = d
	s.mu.Unlock()
	verify := s.DeviceLoginURL()
	writeTokenJSON(w, map[string]any{
		"user_code":        d.userCode,
		"device_code":      dc,
		"verification_uri": verify,
		"expires_in":       int(id.deviceLifetime / time.Second),
		"interval":         int(max((d.interval+time.Second-1)/time.Second, 1)),
		"message":          fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, d.userCode),
	})
}

// userCode is nine letters and digits, as Entra's, without look-alikes.
func userCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 9)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// grantDeviceCode answers a device code poll.
func (s *Server) grantDeviceCode(w http.ResponseWriter, form url.Values, clientID string, fail func(tokenError)) {
	dc := form.Get("device_code")
	if dc == "" {
		fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'device_code'."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.idpDefaults().devices[dc]
	now := time.Now()
	switch {
	case d == nil || d.redeemed:
		fail(tokenError{400, "bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid."})
		return
	case d.clientID != clientID:
		fail(tokenError{400, "invalid_grant", 70000, "Provided grant is invalid or malformed."})
		return
	case now.After(d.expires):
		fail(tokenError{400, "expired_token", 70019, "Verification code expired."})
		return
	case d.declined:
		d.redeemed = true
		fail(tokenError{400, "authorization_declined", 65004, "User declined to consent to access the app."})
		return
	}
	// Polls closer than the interval (less a fifth, for timer jitter) are
	// told to slow down (RFC 8628 §3.5).
	last := d.lastPoll
	d.lastPoll = now
	if !last.IsZero() && now.Sub(last) < d.interval-d.interval/5 {
		fail(tokenError{400, "slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast: wait the interval between requests."})
		return
	}
	if d.upn == "" {
		fail(tokenError{400, "authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling."})
		return
	}
	d.redeemed = true
	writeTokenJSON(w, s.userTokens(d.upn, clientID, d.scopes))
}

var deviceLoginPage = template.Must(template.New("device").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Enter code</title>` + pageStyle + `</head><body>
{{if .Done}}<h1 id="done">{{.Done}}</h1>{{else if .Scopes}}<h1>Sign in</h1>
<form method="post" action="">
<input type="hidden" name="otc" value="{{.Code}}">
<p><label for="user">Account</label>
<select id="user" name="user">{{range .Users}}<option value="{{.}}">{{.}}</option>{{end}}</select></p>
<p>The app <b>{{.Client}}</b> would like to:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<p><button id="consent" name="action" value="accept" type="submit">Accept</button>
<button id="cancel" name="action" value="cancel" type="submit">Cancel</button></p>
</form>{{else}}<h1>Enter code</h1>
<form method="post" action="">
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<p><input id="otc" name="otc" autocomplete="off" placeholder="Code"></p>
<p><button id="next" type="submit">Next</button></p>
</form>{{end}}
</body></html>
`))

// serveDeviceLogin is the verification page of the device code flow: enter
// the user code, then sign in and consent (or cancel).
func (s *Server) serveDeviceLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	data := map[string]any{}
	defer func() { deviceLoginPage.Execute(w, data) }()
	if r.Method != http.MethodPost {
		return
	}
	r.ParseForm()
	otc := strings.ToUpper(strings.TrimSpace(r.PostForm.Get("otc")))
	var err error
	switch r.PostForm.Get("action") {
	case "accept":
		if err = s.ApproveDeviceCode(otc, r.PostForm.Get("user")); err == nil {
			data["Done"] = "You have signed in to the application on your device. You may now close this window."
			return
		}
	case "cancel":
		if err = s.DeclineDeviceCode(otc); err == nil {
			data["Done"] = "You have declined to sign in to the application on your device. You may now close this window."
			return
		}
	default:
		s.mu.Lock()
		var d *deviceCode
		d, err = s.pendingDevice(otc)
		if err == nil {
			data["Code"], data["Client"], data["Scopes"] = otc, d.clientID, d.scopes
		}
		s.mu.Unlock()
		if err == nil {
			data["Users"] = s.tenantUPNs()
			return
		}
	}
	data["Error"] = strings.TrimPrefix(err.Error(), "fakegraph: ")
}

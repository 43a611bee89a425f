package fakegraph

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The registered applications.
const (
	// ClientID is the confidential client (a web app with a secret).
	ClientID = "3f1c7e0a-5b2d-4e8f-9a61-0c4d2b7e9f13"
	// ClientSecret is ClientID's secret.
	ClientSecret = "fQ8~xK2.pL7vN4rT9wZ1-bC6dE3gH5jM0nS8uY_a"
	// PublicClientID is a public client (native app): no secret.
	PublicClientID = "9a2d4c6e-1b3f-4a5c-8d7e-0f1a2b3c4d5e"
	// GraphResource is the resource URI of Microsoft Graph in scopes.
	GraphResource = "https://graph.microsoft.com"
)

// DelegatedScopes are the permissions consented for both clients: the
// connector's default Scope list.
var DelegatedScopes = []string{
	"offline_access", "email", "openid", "profile",
	"Mail.Read", "Mail.Read.Shared", "Mail.ReadBasic", "Mail.ReadBasic.Shared",
	"Mail.ReadWrite", "Mail.ReadWrite.Shared", "Mail.Send", "Mail.Send.Shared",
	"User.Read", "User.ReadBasic.All",
}

// ConsentableScopes are permissions beyond DelegatedScopes that a user
// consents to when a sign-in asks for them by name (.default does not give
// them): MailboxSettings.Read, which the settings tables need.
var ConsentableScopes = []string{"MailboxSettings.Read"}

// AppRoles are the application permissions granted to ClientID for
// client-credentials (app-only) tokens.
var AppRoles = []string{"Mail.Read", "User.Read.All"}

// otherGraphScopes are real Graph permissions the apps were not granted.
var otherGraphScopes = []string{
	"User.Read.All", "User.ReadWrite", "User.ReadWrite.All", "Directory.Read.All", "Calendars.Read",
	"Calendars.ReadWrite", "Contacts.Read", "Files.Read", "Files.Read.All", "MailboxSettings.ReadWrite", "Group.Read.All", "People.Read", "Tasks.Read",
}

type accessToken struct {
	upn      string // "" for app-only
	clientID string
	scopes   []string
	expires  time.Time
	serial   int
	revoked  bool
}

type refreshToken struct {
	upn      string
	clientID string
	scopes   []string
	issued   time.Time
	rotated  time.Time // when it was used and replaced; zero while current
	revoked  bool
}

// principal is who a Graph request acts as.
type principal struct {
	upn    string // "" for app-only
	user   *User
	app    bool
	scopes map[string]bool // lower-cased scopes or roles
	serial int
}

func (p *principal) subject() string {
	if p.app {
		return "app"
	}
	return p.upn
}

func (p *principal) has(scopes ...string) bool {
	for _, s := range scopes {
		if p.scopes[strings.ToLower(s)] {
			return true
		}
	}
	return false
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newAccessToken issues an access token; the caller holds s.mu.
func (s *Server) newAccessToken(upn, clientID string, scopes []string) (string, *accessToken) {
	s.serial++
	now := time.Now()
	at := &accessToken{upn: upn, clientID: clientID, scopes: scopes, expires: now.Add(s.accessLifetime), serial: s.serial}
	claims := map[string]any{
		"aud": GraphResource, "iss": "https://sts.windows.net/" + s.tenant.ID + "/", "tid": s.tenant.ID,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": at.expires.Unix(), "appid": clientID, "ver": "1.0",
	}
	if upn == "" {
		claims["roles"] = scopes
	} else {
		claims["scp"] = strings.Join(scopes, " ")
		claims["upn"] = upn
	}
	cj, _ := json.Marshal(claims)
	tok := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6ImZha2VncmFwaCJ9." +
		base64.RawURLEncoding.EncodeToString(cj) + "." + randomToken(32)
	s.access[tok] = at
	return tok, at
}

// newRefreshToken issues a refresh token; the caller holds s.mu.
func (s *Server) newRefreshToken(upn, clientID string, scopes []string) string {
	tok := "1.AQ" + randomToken(60)
	s.refresh[tok] = &refreshToken{upn: upn, clientID: clientID, scopes: scopes, issued: time.Now()}
	return tok
}

// IssueRefreshToken returns a valid refresh token of ClientID for the user,
// with every DelegatedScopes permission: what a token file would hold after
// the user signed in. It panics if no user has that userPrincipalName.
func (s *Server) IssueRefreshToken(upn string) string {
	return s.IssueRefreshTokenFor(ClientID, upn)
}

// IssueRefreshTokenFor is IssueRefreshToken for another client
// (PublicClientID) or a narrower set of scopes (default DelegatedScopes).
func (s *Server) IssueRefreshTokenFor(clientID, upn string, scopes ...string) string {
	u := s.userByUPN(upn)
	if len(scopes) == 0 {
		scopes = DelegatedScopes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newRefreshToken(u.UserPrincipalName, clientID, scopes)
}

// IssueAccessToken returns a valid delegated access token for the user with
// the given scopes (default DelegatedScopes), bypassing the token endpoint.
func (s *Server) IssueAccessToken(upn string, scopes ...string) string {
	u := s.userByUPN(upn)
	if len(scopes) == 0 {
		scopes = DelegatedScopes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, _ := s.newAccessToken(u.UserPrincipalName, ClientID, scopes)
	return tok
}

// IssueAppToken returns a valid app-only access token (AppRoles).
func (s *Server) IssueAppToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, _ := s.newAccessToken("", ClientID, AppRoles)
	return tok
}

func (s *Server) userByUPN(upn string) *User {
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	u := s.idx.users[strings.ToLower(upn)]
	if u == nil {
		panic(fmt.Sprintf("fakegraph: no user %q in the tenant", upn))
	}
	return u
}

// ExpireAccessTokens makes every access token issued so far expired: Graph
// answers 401 InvalidAuthenticationToken until the client gets a new one.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for _, t := range s.access {
		t.expires = past
	}
}

// RevokeRefreshToken revokes one refresh token: redeeming it then fails
// with invalid_grant AADSTS700082.
func (s *Server) RevokeRefreshToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.refresh[token]; t != nil {
		t.revoked = true
	}
}

// RevokeUser revokes every refresh and access token of a user ("revoke
// sessions"): Graph answers 401 and refreshes fail with invalid_grant.
func (s *Server) RevokeUser(upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.refresh {
		if strings.EqualFold(t.upn, upn) {
			t.revoked = true
		}
	}
	for _, t := range s.access {
		if strings.EqualFold(t.upn, upn) {
			t.revoked = true
		}
	}
}

// SetRotatedTokenGrace sets how long a used refresh token keeps working
// (see WithRotatedTokenGrace): negative forever, 0 revoked on use.
func (s *Server) SetRotatedTokenGrace(d time.Duration) {
	s.mu.Lock()
	s.rotatedGrace = d
	s.mu.Unlock()
}

// authenticate checks the bearer token, or answers 401.
func (s *Server) authenticate(c *call) (*principal, bool) {
	h := c.r.Header.Get("Authorization")
	fail := func(msg string) (*principal, bool) {
		c.w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="", authorization_uri="%s/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`, s.URL))
		c.fail(http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
		return nil, false
	}
	if h == "" {
		return fail("Access token is empty.")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return fail("Access token is empty.")
	}
	s.mu.Lock()
	at := s.access[tok]
	var p *principal
	if at != nil {
		p = &principal{upn: at.upn, app: at.upn == "", scopes: map[string]bool{}, serial: at.serial}
		for _, sc := range at.scopes {
			p.scopes[strings.ToLower(sc)] = true
		}
	}
	expired := at != nil && (time.Now().After(at.expires) || at.revoked)
	s.mu.Unlock()
	switch {
	case at == nil && strings.Count(tok, ".") != 2:
		return fail("CompactToken parsing failed with error code: 80049217")
	case at == nil:
		return fail("Access token validation failure. Invalid audience.")
	case expired:
		return fail("Access token has expired or is not yet valid.")
	}
	if !p.app {
		s.tmu.RLock()
		p.user = s.idx.users[strings.ToLower(p.upn)]
		s.tmu.RUnlock()
		if p.user == nil {
			return fail("Access token validation failure.")
		}
	}
	return p, true
}

// --- token endpoint ---

// tokenError is an Entra token-endpoint error.
type tokenError struct {
	status int
	err    string
	code   int
	desc   string
}

func (s *Server) writeTokenError(w http.ResponseWriter, r *http.Request, e tokenError) {
	now := time.Now().UTC()
	trace, corr := newRequestID(), r.Header.Get("client-request-id")
	if corr == "" {
		corr = newRequestID()
	}
	ts := now.Format("2006-01-02 15:04:05Z")
	body := map[string]any{
		"error":             e.err,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", e.code, e.desc, trace, corr, ts),
		"error_codes":       []int{e.code},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         s.URL + "/error?code=" + fmt.Sprint(e.code),
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("x-ms-request-id", trace)
	w.WriteHeader(e.status)
	w.Write(b)
}

func (s *Server) tenantKnown(name string) bool {
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	t := s.tenant
	switch strings.ToLower(name) {
	case "common", "organizations", "consumers", strings.ToLower(t.Name), strings.ToLower(t.Domain), strings.ToLower(t.ID):
		return name != ""
	}
	return false
}

// normScope turns "https://graph.microsoft.com/Mail.Read" into "Mail.Read"
// and reports whether it names Graph (or is an OpenID scope).
func normScope(sc string) (string, bool) {
	low := strings.ToLower(sc)
	if strings.HasPrefix(low, strings.ToLower(GraphResource)+"/") {
		return sc[len(GraphResource)+1:], true
	}
	if strings.Contains(sc, "://") || strings.HasPrefix(low, "api://") {
		return sc, false
	}
	return sc, true
}

func findScope(list []string, sc string) (string, bool) {
	for _, x := range list {
		if strings.EqualFold(x, sc) {
			return x, true
		}
	}
	return "", false
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, tenant string) {
	s.mu.Lock()
	s.stats.TokenRequests++
	redir := s.tokenRedirect
	s.mu.Unlock()
	if redir.status != 0 {
		redir.answer(w, r)
		return
	}
	fail := func(e tokenError) { s.writeTokenError(w, r, e) }
	if r.Method != http.MethodPost {
		fail(tokenError{400, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a " + r.Method + " request."})
		return
	}
	if !s.tenantKnown(tenant) {
		fail(tokenError{400, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant)})
		return
	}
	ct := r.Header.Get("Content-Type")
	var form url.Values
	if strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err == nil {
			form = r.PostForm
		}
	}
	if form == nil {
		form = url.Values{}
	}
	for k, v := range form {
		if len(v) > 1 {
			fail(tokenError{400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid. The parameter '" + k + "' is duplicated."})
			return
		}
	}
	grant := form.Get("grant_type")
	if grant == "" {
		fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."})
		return
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	hasSecret := form.Has("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		bu, err1 := url.QueryUnescape(u)
		bp, err2 := url.QueryUnescape(p)
		if err1 != nil || err2 != nil || (clientID != "" && clientID != bu) {
			fail(tokenError{401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + bu + "'."})
			return
		}
		clientID, secret, hasSecret = bu, bp, true
	}
	if clientID == "" {
		fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."})
		return
	}
	switch grant {
	case "refresh_token", "client_credentials", "authorization_code", "urn:ietf:params:oauth:grant-type:device_code", "password", "urn:ietf:params:oauth:grant-type:jwt-bearer":
	default:
		fail(tokenError{400, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant)})
		return
	}
	if clientID != ClientID && clientID != PublicClientID {
		fail(tokenError{400, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant)})
		return
	}
	if clientID == PublicClientID && hasSecret {
		fail(tokenError{401, "invalid_client", 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."})
		return
	}
	if clientID == ClientID || grant == "client_credentials" {
		if !hasSecret {
			fail(tokenError{401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."})
			return
		}
		if subtle.ConstantTimeCompare([]byte(secret), []byte(ClientSecret)) != 1 {
			fail(tokenError{401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + clientID + "'."})
			return
		}
	}
	switch grant {
	case "refresh_token":
		s.grantRefresh(w, r, form, clientID, fail)
	case "client_credentials":
		s.grantClientCredentials(w, form, clientID, tenant, fail)
	case "authorization_code":
		s.grantAuthCode(w, form, clientID, fail)
	case deviceCodeGrant:
		s.grantDeviceCode(w, form, clientID, fail)
	default:
		fail(tokenError{400, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant)})
	}
}

func (s *Server) grantRefresh(w http.ResponseWriter, r *http.Request, form url.Values, clientID string, fail func(tokenError)) {
	rt := form.Get("refresh_token")
	if rt == "" {
		fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'refresh_token'."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.refresh[rt]
	if t == nil {
		fail(tokenError{400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."})
		return
	}
	now := time.Now()
	dead := t.revoked || now.Sub(t.issued) > 90*24*time.Hour ||
		(!t.rotated.IsZero() && s.rotatedGrace >= 0 && now.Sub(t.rotated) >= s.rotatedGrace)
	if dead {
		fail(tokenError{400, "invalid_grant", 700082, fmt.Sprintf("The refresh token has expired due to inactivity. The token was issued on %s and was inactive for 90.00:00:00.", t.issued.UTC().Format("2006-01-02T15:04:05.0000000Z"))})
		return
	}
	if t.clientID != clientID {
		fail(tokenError{400, "invalid_grant", 70000, "Provided grant is invalid or malformed."})
		return
	}
	scopes := t.scopes
	if sc := strings.Fields(form.Get("scope")); len(sc) > 0 {
		var req []string
		for _, x := range sc {
			n, graph := normScope(x)
			if !graph {
				fail(tokenError{400, "invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", x)})
				return
			}
			if strings.EqualFold(n, ".default") {
				req = append(req, t.scopes...)
				continue
			}
			canon, ok := findScope(t.scopes, n)
			if !ok {
				_, consentable := findScope(ConsentableScopes, n)
				if _, known := findScope(DelegatedScopes, n); known || consentable || slices.ContainsFunc(otherGraphScopes, func(o string) bool { return strings.EqualFold(o, n) }) {
					fail(tokenError{400, "invalid_grant", 65001, fmt.Sprintf("The user or administrator has not consented to use the application with ID '%s'. Send an interactive authorization request for this user and resource.", clientID)})
					return
				}
				fail(tokenError{400, "invalid_scope", 70011, fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope '%s' does not exist.", x)})
				return
			}
			req = append(req, canon)
		}
		// A permission consented to by name stays in the tokens, asked
		// for or not: Azure AD's access tokens carry every consented
		// permission of the resource.
		for _, c := range ConsentableScopes {
			if have, ok := findScope(t.scopes, c); ok && !slices.Contains(req, have) {
				req = append(req, have)
			}
		}
		scopes = req
	}
	if t.rotated.IsZero() {
		t.rotated = now
	}
	tok, at := s.newAccessToken(t.upn, clientID, scopes)
	newRT := s.newRefreshToken(t.upn, clientID, t.scopes)
	var graphScopes []string
	for _, sc := range scopes {
		if !slices.Contains([]string{"offline_access"}, strings.ToLower(sc)) {
			graphScopes = append(graphScopes, sc)
		}
	}
	resp := map[string]any{
		"token_type":     "Bearer",
		"scope":          strings.Join(graphScopes, " "),
		"expires_in":     int(time.Until(at.expires).Round(time.Second) / time.Second),
		"ext_expires_in": int(time.Until(at.expires).Round(time.Second) / time.Second),
		"access_token":   tok,
		"refresh_token":  newRT,
	}
	if _, ok := findScope(scopes, "openid"); ok {
		idc, _ := json.Marshal(map[string]any{"aud": clientID, "iss": s.URL + "/" + s.tenant.ID + "/v2.0", "preferred_username": t.upn, "tid": s.tenant.ID, "ver": "2.0"})
		resp["id_token"] = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(idc) + "."
	}
	writeTokenJSON(w, resp)
}

func (s *Server) grantClientCredentials(w http.ResponseWriter, form url.Values, clientID, tenant string, fail func(tokenError)) {
	switch strings.ToLower(tenant) {
	case "common", "consumers", "organizations":
		fail(tokenError{400, "invalid_request", 9001023, "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint."})
		return
	}
	sc := form.Get("scope")
	if sc == "" {
		fail(tokenError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."})
		return
	}
	f := strings.Fields(sc)
	if len(f) != 1 || !strings.HasSuffix(f[0], "/.default") {
		fail(tokenError{400, "invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", sc)})
		return
	}
	res := strings.TrimSuffix(f[0], "/.default")
	if !strings.EqualFold(res, GraphResource) && !strings.EqualFold(res, "00000003-0000-0000-c000-000000000000") {
		fail(tokenError{400, "invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", res, tenant)})
		return
	}
	s.mu.Lock()
	tok, at := s.newAccessToken("", clientID, AppRoles)
	s.mu.Unlock()
	exp := int(time.Until(at.expires).Round(time.Second) / time.Second)
	writeTokenJSON(w, map[string]any{"token_type": "Bearer", "expires_in": exp, "ext_expires_in": exp, "access_token": tok})
}

func writeTokenJSON(w http.ResponseWriter, v map[string]any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

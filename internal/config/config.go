// Package config parses and validates the outlooksql connection string.
//
// A connection string is a list of Key=Value pairs separated by ";". Keys are
// case-insensitive and white space around keys and values is ignored. A value
// that contains ";" (or starts with "{", or must keep surrounding spaces) is
// wrapped in braces, with "}}" standing for a literal "}" (the ODBC
// convention):
//
//	TokenUrl=https://login.microsoftonline.com/common/oauth2/v2.0/token;
//	ClientId=6731de76-14a6-49ae-97bc-6eba6914391e;ClientSecret={a;b}}c}
//
// An empty value is the same as leaving the key out: the key's default
// applies. Errors name the key at fault and never contain the value of
// ClientSecret or any value that looks like a token.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outlooksql/outlooksql/internal/redact"
)

// RetryMode says which failed Graph requests are retried.
type RetryMode string

// The retry modes of the RetryMode key.
const (
	RetryNone                RetryMode = "None"                     // never retry
	RetryAny                 RetryMode = "RetryAny"                 // retry every failed request
	RetryWhenStatusCodeMatch RetryMode = "RetryWhenStatusCodeMatch" // retry when the status is in RetryStatusCodes
)

// AuthType says how tokens are obtained.
type AuthType string

// The values of the AuthType key.
const (
	// UserCredentials is delegated access: a refresh token kept in RefreshTokenFilePath.
	UserCredentials AuthType = "UserCredentials"
	// ApplicationCredentials is app-only access: the client credentials grant.
	ApplicationCredentials AuthType = "ApplicationCredentials"
)

// FanOut says how a scan with many requests (an IN list over mailboxes,
// messages or ids) runs them.
type FanOut string

// The values of the FanOut key.
const (
	// FanOutBatch runs the requests concurrently and sends GETs of one
	// mailbox as JSON batches ($batch, up to 20 per POST).
	FanOutBatch FanOut = "Batch"
	// FanOutConcurrent runs the requests concurrently, one GET each.
	FanOutConcurrent FanOut = "Concurrent"
	// FanOutSequential runs the requests one after another.
	FanOutSequential FanOut = "Sequential"
)

// Default values of the keys that have one.
const (
	DefaultScope           = "offline_access~email~Mail.Read~Mail.Read.Shared~Mail.ReadBasic~Mail.ReadBasic.Shared~openid~profile~User.Read~User.ReadBasic.All~Mail.ReadWrite~Mail.ReadWrite.Shared~Mail.Send~Mail.Send.Shared~"
	DefaultReturnURL       = "http://localhost:8765/callback"
	DefaultUserID          = "me"
	DefaultBaseURL         = "https://graph.microsoft.com/v1.0"
	DefaultBodyContentType = "html"
	DefaultRetryCountMax   = 5
	// DefaultRetryWaitMax is the longest Retry-After waited for: Graph's
	// throttling waits are seconds; one of minutes or hours is better
	// reported at once than waited out in silence.
	DefaultRetryWaitMax = time.Minute
	// DefaultMaxResponseBytes caps one response body: 64 MiB is over ten
	// times a page of 1000 messages with their bodies, far above anything
	// Graph sends for a page, and small enough to hold in memory.
	DefaultMaxResponseBytes = 64 << 20
	// DefaultMaxRequests is a statement's request budget: a full scan of a
	// 100,000-message mailbox with bodies takes 1,000 requests; 10,000 is
	// about what Graph lets one app send to one mailbox in ten minutes.
	DefaultMaxRequests = 10000
)

// Config is a parsed, validated connection string.
type Config struct {
	Tenant       string   // Tenant: a tenant id, a domain, common, organizations or consumers; derives AuthUrl and TokenUrl
	AuthURL      string   // AuthUrl: OAuth 2.0 authorization endpoint
	TokenURL     string   // TokenUrl: OAuth 2.0 token endpoint
	ClientID     string   // ClientId: the app registration's client id
	ClientSecret string   // ClientSecret: the app's secret; empty for a public client
	Scopes       []string // Scope, split on "~" and spaces, empties dropped

	RefreshTokenFilePath string // RefreshTokenFilePath: the JSON token file
	ReturnURL            string // ReturnUrl: the redirect URI

	RetryMode             RetryMode     // RetryMode
	RetryStatusCodes      []int         // RetryStatusCodeList, split on "|"
	RetryCountMax         int           // RetryCountMax: retries after the first attempt
	RetryMultiplyWaitTime bool          // RetryMultiplyWaitTime: the wait grows with each retry
	RetryWaitTime         time.Duration // RetryWaitTime: the first wait when the server gives no Retry-After

	ExtraAttributesForAuthRequest url.Values // ExtraAttributesForAuthRequest: "prompt=login" or "k=v&k2=v2"

	AuthType        AuthType // AuthType
	UserID          string   // UserId: the default mailbox
	BaseURL         string   // BaseUrl: the Graph root, without a trailing slash
	BodyContentType string   // BodyContentType: "html" or "text"

	// Pushdown sends WHERE, ORDER BY, LIMIT and the selected columns to Graph;
	// false fetches everything and lets SQLite filter (for benchmarks and debugging).
	Pushdown bool

	// ReadOnly refuses every write (UPDATE, INSERT, DELETE, sending) before
	// any request, and leaves the tables usable from a file's views.
	ReadOnly bool

	// FanOut says how a scan runs many requests: concurrently and in JSON
	// batches (the default), concurrently, or one after another.
	FanOut FanOut

	// Lookahead is the most keys a nested-loop join's inner scan fetches
	// ahead (batched nested loops); 0 turns it off (Lookahead=Off).
	Lookahead int

	// RetryWaitMax is the longest Retry-After a retry waits for; a server
	// that asks for longer fails the request at once.
	RetryWaitMax time.Duration
	// Timeout bounds the time of one statement; 0 means no limit.
	Timeout time.Duration
	// MaxRequests is the most HTTP requests one statement may send to Graph;
	// 0 means no limit.
	MaxRequests int64
	// MaxResponseBytes caps the body of one response (attachment bytes
	// excepted); 0 means no limit.
	MaxResponseBytes int64

	// ParallelScans is how many concurrent chains a long listing of
	// messages may be split into (1: never split).
	ParallelScans int
	// ParallelScanMinPages is the fewest pages a listing must span, by its
	// @odata.count, before it is split.
	ParallelScanMinPages int
}

// Key describes one connection-string key.
type Key struct {
	Name    string // canonical spelling, e.g. "ClientId"
	Default string // the default as it would be written in a connection string; "" if none
	Doc     string // one line on what the key means
}

// keys is every key, in the order String and Keys use.
var keys = []Key{
	{"Tenant", "", "the Entra tenant: its id (a GUID), a domain (contoso.onmicrosoft.com), common, organizations or consumers; gives AuthUrl and TokenUrl (https://login.microsoftonline.com/{tenant}/oauth2/v2.0/…) when they are not given"},
	{"AuthUrl", "", "OAuth 2.0 authorization endpoint (v2), e.g. https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize; needed only to sign in interactively"},
	{"TokenUrl", "", "OAuth 2.0 token endpoint (v2), e.g. https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token; required"},
	{"ClientId", "", "the app registration's client id; required"},
	{"ClientSecret", "", "the app's secret; omit for a public client; required with AuthType=ApplicationCredentials"},
	{"Scope", DefaultScope, "permissions, separated by ~ (spaces accepted too)"},
	{"RefreshTokenFilePath", "", `JSON file {"access_token": "…", "refresh_token": "…", "expires_in": 3600}; every rotated token is written back to it; required with AuthType=UserCredentials`},
	{"ReturnUrl", DefaultReturnURL, "redirect URI for interactive sign-in; must match the app registration"},
	{"RetryMode", string(RetryWhenStatusCodeMatch), "None, RetryAny or RetryWhenStatusCodeMatch"},
	{"RetryStatusCodeList", "429|503", "status codes retried in RetryWhenStatusCodeMatch mode, separated by |"},
	{"RetryCountMax", strconv.Itoa(DefaultRetryCountMax), "retries after the first attempt"},
	{"RetryMultiplyWaitTime", "True", "True: the wait grows with each retry; a server's Retry-After always wins"},
	{"RetryWaitTime", "1", "seconds (fractions allowed) to wait before the first retry when the server sends no Retry-After"},
	{"ExtraAttributesForAuthRequest", "", "appended to the authorization request, e.g. prompt=login or prompt=consent (k=v&k2=v2 for several)"},
	{"AuthType", string(UserCredentials), "UserCredentials (delegated, refresh token) or ApplicationCredentials (client credentials, app-only)"},
	{"UserId", DefaultUserID, "default mailbox: me, a user id or a userPrincipalName; required (not me) with AuthType=ApplicationCredentials"},
	{"BaseUrl", DefaultBaseURL, "Graph root: a national cloud, or a local Graph-compatible server"},
	{"BodyContentType", DefaultBodyContentType, "html or text: the format of body and unique_body"},
	{"Pushdown", "True", "True: WHERE, ORDER BY, LIMIT and columns become Graph $filter/$orderby/$top/$select; False: fetch everything and filter locally (benchmarks, debugging)"},
	{"ReadOnly", "False", "True refuses every write (UPDATE, INSERT, DELETE, outbox/replies/forwards) before any request, and makes the tables usable from a database file's views and triggers"},
	{"FanOut", string(FanOutBatch), "how a scan runs many requests (an IN list over mailboxes, messages or ids): Batch (concurrently, GETs of one mailbox 20 to a $batch), Concurrent (one GET each) or Sequential (one at a time)"},
	{"Lookahead", "On", "batched nested loops: when a join's inner scan takes its key (id, message_id, user_id) from the rows of another scan, fetch the next rows' inner requests ahead, 20 to a $batch: On, Off, or the most keys fetched ahead (0 to 1000; On is 60, 0 is Off)"},
	{"RetryWaitMax", "60", "seconds (or a duration such as 5m): the longest Retry-After waited for; a server that asks for longer fails the statement at once; 0: no limit"},
	{"Timeout", "0", "seconds (or a duration such as 90s, 5m) one statement may take; 0: no limit"},
	{"MaxRequests", strconv.Itoa(DefaultMaxRequests), "the most HTTP requests to Graph one statement may send (identical requests answered from the statement's cache do not count); 0: no limit"},
	{"MaxResponseBytes", strconv.Itoa(DefaultMaxResponseBytes), "the largest response body accepted, in bytes (attachment bytes, up to Graph's 150 MB, are exempt); 0: no limit"},
	{"ParallelScans", "4", "1 to 4: how many concurrent chains of disjoint receivedDateTime ranges a long listing of messages is split into (Graph serves 4 requests at once per mailbox); 1: never split"},
	{"ParallelScanMinPages", "4", "2 or more: the fewest pages a listing must span, by its @odata.count, before it is split (ParallelScans)"},
}

// Keys returns every connection-string key with its default and meaning.
func Keys() []Key { return slices.Clone(keys) }

// Parse parses and validates a connection string. Keys left out take their
// defaults; see Keys.
func Parse(s string) (*Config, error) {
	pairs, err := split(s)
	if err != nil {
		return nil, err
	}
	c := &Config{}
	given := map[string]bool{}
	// Set the keys in the order they were written, so the first mistake is
	// reported first; then the defaults of the others.
	for _, p := range pairs {
		if p.value == "" {
			continue // an empty value means the default
		}
		given[p.key] = true
		if err := c.set(p.key, p.value); err != nil {
			return nil, err
		}
	}
	for _, k := range keys {
		if !given[k.Name] {
			if err := c.set(k.Name, k.Default); err != nil {
				return nil, fmt.Errorf("default of %s: %w", k.Name, err) // a bug in keys
			}
		}
	}
	c.derive()
	if err := c.checkTenantUse(); err != nil {
		return nil, err
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// set parses the value of one key into c.
func (c *Config) set(key, v string) error {
	var err error
	switch key {
	case "Tenant":
		if v != "" {
			c.Tenant, err = checkTenant(key, v)
		}
	case "ClientId":
		c.ClientID = v
	case "ClientSecret":
		c.ClientSecret = v
	case "Scope":
		c.Scopes = splitScopes(v)
		if len(c.Scopes) == 0 {
			return fmt.Errorf("%s: no permission given; separate them with ~, e.g. Mail.Read~offline_access", key)
		}
	case "RefreshTokenFilePath":
		c.RefreshTokenFilePath = v
	case "UserId":
		c.UserID = v
	case "AuthUrl":
		c.AuthURL, err = httpURL(key, v)
	case "TokenUrl":
		c.TokenURL, err = httpURL(key, v)
	case "BaseUrl":
		c.BaseURL, err = httpURL(key, v)
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	case "ReturnUrl":
		if u, perr := url.Parse(v); perr != nil || !u.IsAbs() {
			return fmt.Errorf("%s: %s is not an absolute URL (e.g. %s)", key, show(redact.URL(v)), DefaultReturnURL)
		}
		c.ReturnURL = v
	case "RetryMode":
		var m string
		m, err = oneOf(key, v, string(RetryNone), string(RetryAny), string(RetryWhenStatusCodeMatch))
		c.RetryMode = RetryMode(m)
	case "AuthType":
		var t string
		t, err = oneOf(key, v, string(UserCredentials), string(ApplicationCredentials))
		c.AuthType = AuthType(t)
	case "BodyContentType":
		c.BodyContentType, err = oneOf(key, v, "html", "text")
	case "RetryStatusCodeList":
		c.RetryStatusCodes, err = statusCodes(key, v)
	case "RetryCountMax":
		n, perr := strconv.Atoi(v)
		if perr != nil {
			return fmt.Errorf("%s: %s is not a whole number", key, show(v))
		}
		if n < 0 {
			return fmt.Errorf("%s: %d is negative; use 0 for no retries", key, n)
		}
		c.RetryCountMax = n
	case "RetryMultiplyWaitTime":
		c.RetryMultiplyWaitTime, err = boolean(key, v)
	case "RetryWaitTime":
		f, perr := strconv.ParseFloat(v, 64)
		if perr != nil || f < 0 || f > 3600 || f != f {
			return fmt.Errorf("%s: %s is not a number of seconds from 0 to 3600 (e.g. 0.5)", key, show(v))
		}
		c.RetryWaitTime = time.Duration(f * float64(time.Second))
	case "Pushdown":
		c.Pushdown, err = boolean(key, v)
	case "ReadOnly":
		c.ReadOnly, err = boolean(key, v)
	case "FanOut":
		var f string
		f, err = oneOf(key, v, string(FanOutBatch), string(FanOutConcurrent), string(FanOutSequential))
		c.FanOut = FanOut(f)
	case "Lookahead":
		c.Lookahead, err = lookahead(key, v)
	case "ExtraAttributesForAuthRequest":
		c.ExtraAttributesForAuthRequest, err = attributes(key, v)
	case "RetryWaitMax":
		c.RetryWaitMax, err = duration(key, v, "60")
	case "Timeout":
		c.Timeout, err = duration(key, v, "300")
	case "MaxRequests":
		c.MaxRequests, err = count(key, v)
	case "MaxResponseBytes":
		c.MaxResponseBytes, err = count(key, v)
	case "ParallelScans":
		c.ParallelScans, err = between(key, v, 1, 4, "1 never splits a scan")
	case "ParallelScanMinPages":
		c.ParallelScanMinPages, err = between(key, v, 2, 1<<30, "a listing of one page is never split")
	}
	return err
}

// duration parses seconds (fractions allowed) or a Go duration ("90s",
// "5m", "1h30m"), from 0 to a day.
func duration(key, v, example string) (time.Duration, error) {
	bad := fmt.Errorf("%s: %s is not a number of seconds or a duration from 0 to 24h (e.g. %s, or 5m)", key, show(v), example)
	var d time.Duration
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f != f || f < 0 || f > 86400 {
			return 0, bad
		}
		d = time.Duration(f * float64(time.Second))
	} else if pd, err := time.ParseDuration(v); err == nil {
		d = pd
	} else {
		return 0, bad
	}
	if d < 0 || d > 24*time.Hour {
		return 0, bad
	}
	return d, nil
}

// count parses a whole number from 0 up.
func count(key, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %s is not a whole number (0 for no limit)", key, show(v))
	}
	if n < 0 {
		return 0, fmt.Errorf("%s: %d is negative; use 0 for no limit", key, n)
	}
	return n, nil
}

// between parses a whole number from lo to hi; why says what the bound
// means.
func between(key, v string, lo, hi int, why string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s: %s is not a whole number from %d to %d (%s)", key, show(v), lo, hi, why)
	}
	return n, nil
}

// check applies the rules that involve more than one key.
func (c *Config) check() error {
	var need []string
	switch c.AuthType {
	case ApplicationCredentials:
		need = []string{"TokenUrl", "ClientId", "ClientSecret"}
	default:
		need = []string{"RefreshTokenFilePath", "TokenUrl", "ClientId"}
	}
	var missing []string
	for _, k := range need {
		if c.value(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		what := "AuthType=" + string(c.AuthType)
		if c.AuthType == UserCredentials {
			what += " (the default)"
		}
		hint := ""
		if slices.Contains(missing, "TokenUrl") {
			hint = "; Tenant=… (a tenant id, a domain, common or organizations) gives TokenUrl and AuthUrl"
		}
		return fmt.Errorf("%s requires %s; missing: %s%s", what, strings.Join(need, ", "), strings.Join(missing, ", "), hint)
	}
	if c.AuthType == ApplicationCredentials && strings.EqualFold(c.UserID, "me") {
		return errors.New("UserId is required with AuthType=ApplicationCredentials: app-only tokens have no /me")
	}
	return nil
}

// value returns the value of key as it would be written in a connection
// string. The secret is returned as is: callers must not print it.
func (c *Config) value(key string) string {
	switch key {
	case "Tenant":
		return c.Tenant
	case "AuthUrl":
		return c.AuthURL
	case "TokenUrl":
		return c.TokenURL
	case "ClientId":
		return c.ClientID
	case "ClientSecret":
		return c.ClientSecret
	case "Scope":
		return strings.Join(c.Scopes, "~")
	case "RefreshTokenFilePath":
		return c.RefreshTokenFilePath
	case "ReturnUrl":
		return c.ReturnURL
	case "RetryMode":
		return string(c.RetryMode)
	case "RetryStatusCodeList":
		s := make([]string, len(c.RetryStatusCodes))
		for i, n := range c.RetryStatusCodes {
			s[i] = strconv.Itoa(n)
		}
		return strings.Join(s, "|")
	case "RetryCountMax":
		return strconv.Itoa(c.RetryCountMax)
	case "RetryMultiplyWaitTime":
		return formatBool(c.RetryMultiplyWaitTime)
	case "ExtraAttributesForAuthRequest":
		return c.ExtraAttributesForAuthRequest.Encode()
	case "AuthType":
		return string(c.AuthType)
	case "UserId":
		return c.UserID
	case "BaseUrl":
		return c.BaseURL
	case "BodyContentType":
		return c.BodyContentType
	case "RetryWaitTime":
		return strconv.FormatFloat(c.RetryWaitTime.Seconds(), 'f', -1, 64)
	case "Pushdown":
		return formatBool(c.Pushdown)
	case "ReadOnly":
		return formatBool(c.ReadOnly)
	case "FanOut":
		return string(c.FanOut)
	case "Lookahead":
		return formatLookahead(c.Lookahead)
	case "RetryWaitMax":
		return strconv.FormatFloat(c.RetryWaitMax.Seconds(), 'f', -1, 64)
	case "Timeout":
		return strconv.FormatFloat(c.Timeout.Seconds(), 'f', -1, 64)
	case "MaxRequests":
		return strconv.FormatInt(c.MaxRequests, 10)
	case "MaxResponseBytes":
		return strconv.FormatInt(c.MaxResponseBytes, 10)
	case "ParallelScans":
		return strconv.Itoa(c.ParallelScans)
	case "ParallelScanMinPages":
		return strconv.Itoa(c.ParallelScanMinPages)
	}
	return ""
}

// Key identifies the configuration: equal keys mean equal configurations,
// secrets included (it holds a digest of the client secret and of the URLs,
// whose passwords String hides, not the secrets).
func (c *Config) Key() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{c.ClientSecret, c.AuthURL, c.TokenURL, c.BaseURL, c.ReturnURL}, "\x00")))
	return c.String() + ";#" + hex.EncodeToString(sum[:])
}

// String returns the connection string c stands for: every key that has a
// value, in the order of Keys, with ClientSecret shown as "***" and the
// password of a URL as "xxxxx". Parsing it gives back c, except for those.
func (c *Config) String() string {
	var b strings.Builder
	for _, k := range keys {
		v := c.value(k.Name)
		if v == "" {
			continue
		}
		if k.Name == "ClientSecret" {
			v = "***"
		}
		v = redact.URL(v) // AuthUrl, TokenUrl, BaseUrl, ReturnUrl: https://user:xxxxx@…
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k.Name)
		b.WriteByte('=')
		b.WriteString(quote(v))
	}
	return b.String()
}

// quote wraps v in braces when it could not be read back otherwise.
func quote(v string) string {
	if !strings.ContainsRune(v, ';') && !strings.HasPrefix(v, "{") && strings.TrimSpace(v) == v {
		return v
	}
	return "{" + strings.ReplaceAll(v, "}", "}}") + "}"
}

func formatBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// splitScopes splits a Scope value on "~" and white space.
func splitScopes(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool {
		return r == '~' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// httpURL checks that v is an absolute http or https URL.
func httpURL(key, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s: %s is not an absolute http(s) URL (e.g. %s)", key, show(redact.URL(v)), example(key))
	}
	return v, nil
}

func example(key string) string {
	switch key {
	case "AuthUrl":
		return "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
	case "TokenUrl":
		return "https://login.microsoftonline.com/common/oauth2/v2.0/token"
	}
	return DefaultBaseURL
}

// oneOf returns the valid value that v names, ignoring case.
func oneOf(key, v string, valid ...string) (string, error) {
	for _, s := range valid {
		if strings.EqualFold(s, v) {
			return s, nil
		}
	}
	return "", fmt.Errorf("%s: %s is not valid; use one of %s", key, show(v), strings.Join(valid, ", "))
}

// boolean parses True/False, yes/no and 1/0, ignoring case.
func boolean(key, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "1":
		return true, nil
	case "false", "no", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s: %s is not a boolean; use True or False", key, show(v))
}

// statusCodes parses "429|503"; empty items (a trailing "|") are skipped.
func statusCodes(key, v string) ([]int, error) {
	var codes []int
	for _, f := range strings.Split(v, "|") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 100 || n > 599 {
			return nil, fmt.Errorf("%s: %s is not an HTTP status code (100-599); separate codes with |, e.g. 429|503", key, show(f))
		}
		if !slices.Contains(codes, n) {
			codes = append(codes, n)
		}
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("%s: no status code given; separate codes with |, e.g. 429|503", key)
	}
	return codes, nil
}

// attributes parses "prompt=login" or "k=v&k2=v2". The values are not shown
// in errors: they may carry hints such as a login name.
func attributes(key, v string) (url.Values, error) {
	if v == "" {
		return nil, nil
	}
	vals, err := url.ParseQuery(v)
	if err != nil {
		return nil, fmt.Errorf("%s: not of the form k=v&k2=v2 (write special characters %%-escaped)", key)
	}
	for _, f := range strings.Split(v, "&") {
		if k, _, ok := strings.Cut(f, "="); !ok || k == "" {
			return nil, fmt.Errorf("%s: not of the form k=v&k2=v2 (each attribute needs a name and \"=\")", key)
		}
	}
	return vals, nil
}

// show quotes a value for an error message, unless it looks like a token.
func show(v string) string {
	if looksLikeToken(v) {
		return "(value not shown: it looks like a secret)"
	}
	if len(v) > 60 {
		v = v[:57] + "..."
	}
	return strconv.Quote(v)
}

// looksLikeToken reports whether s could be a secret or a token: a JWT, or a
// long run of base64/url-safe characters mixing upper and lower case letters
// and digits (host names and GUIDs do not).
func looksLikeToken(s string) bool {
	if strings.HasPrefix(s, "eyJ") && len(s) >= 10 {
		return true
	}
	if len(s) < 20 {
		return false
	}
	var lower, upper, digit bool
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune("-_.~+/=", r):
		default:
			return false
		}
	}
	return lower && upper && digit
}

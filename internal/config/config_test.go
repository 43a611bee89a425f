package config

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	tokenURL = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
	authURL  = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
	// base is the smallest valid connection string (UserCredentials).
	base = "TokenUrl=" + tokenURL + ";ClientId=cid;RefreshTokenFilePath=/tmp/tok.json"
	// app is the smallest valid ApplicationCredentials connection string.
	app = "AuthType=ApplicationCredentials;TokenUrl=" + tokenURL + ";ClientId=cid;ClientSecret=s;UserId=alice@contoso.com"
)

var defaultScopes = []string{
	"offline_access", "email", "Mail.Read", "Mail.Read.Shared", "Mail.ReadBasic", "Mail.ReadBasic.Shared",
	"openid", "profile", "User.Read", "User.ReadBasic.All", "Mail.ReadWrite", "Mail.ReadWrite.Shared",
	"Mail.Send", "Mail.Send.Shared",
}

// defaults returns the Config that base parses to.
func defaults() Config {
	return Config{
		TokenURL:              tokenURL,
		ClientID:              "cid",
		Scopes:                defaultScopes,
		RefreshTokenFilePath:  "/tmp/tok.json",
		ReturnURL:             "http://localhost:8765/callback",
		RetryMode:             RetryWhenStatusCodeMatch,
		RetryStatusCodes:      []int{429, 503},
		RetryCountMax:         5,
		RetryMultiplyWaitTime: true,
		RetryWaitTime:         time.Second,
		AuthType:              UserCredentials,
		UserID:                "me",
		BaseURL:               "https://graph.microsoft.com/v1.0",
		BodyContentType:       "html",
		Pushdown:              true,
		FanOut:                FanOutBatch,
		Lookahead:             DefaultLookahead,
		RetryWaitMax:          time.Minute,
		MaxRequests:           10000,
		MaxResponseBytes:      64 << 20,
		ParallelScans:         4,
		ParallelScanMinPages:  4,
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want func(c *Config) // changes from defaults()
	}{
		{"defaults", base, func(c *Config) {}},
		{"trailing and empty segments", " ;" + base + ";; ; ", func(c *Config) {}},
		{"keys case-insensitive, white space trimmed",
			"  tokenurl =  " + tokenURL + " ;CLIENTID= cid ;refreshTokenFilePATH=\t/tmp/tok.json\n", func(c *Config) {}},
		{"braced value with ; and }}", base + ";ClientSecret={a;b}}c=d{e}", func(c *Config) { c.ClientSecret = "a;b}c=d{e" }},
		{"braced value keeps inner spaces, outer spaces trimmed", base + ";ClientSecret=  { x } ; UserId=bob", func(c *Config) {
			c.ClientSecret, c.UserID = " x ", "bob"
		}},
		{"braced empty value is the default", base + ";UserId={}", func(c *Config) {}},
		{"braced value at the end without ;", base + ";ClientSecret={;}", func(c *Config) { c.ClientSecret = ";" }},
		{"unbraced value may contain = { }", base + ";ClientSecret=a=b}c{", func(c *Config) { c.ClientSecret = "a=b}c{" }},
		{"empty value is the default", base + ";RetryCountMax=;Scope=;BaseUrl= ", func(c *Config) {}},
		{"every key", "AuthUrl=" + authURL + ";TokenUrl=" + tokenURL + ";ClientId=cid;ClientSecret=sec;" +
			"Scope=Mail.Read~User.Read  offline_access~~;RefreshTokenFilePath=/tmp/tok.json;ReturnUrl=http://localhost:9000/cb;" +
			"RetryMode=retryany;RetryStatusCodeList= 500 | 502|;RetryCountMax=0;RetryMultiplyWaitTime=no;" +
			"ExtraAttributesForAuthRequest=prompt=login&login_hint=a%40b.com;AuthType=usercredentials;UserId=alice@contoso.com;" +
			"BaseUrl=http://127.0.0.1:8080/v1.0//;BodyContentType=TEXT;Pushdown=0;FanOut=sequential",
			func(c *Config) {
				c.AuthURL = authURL
				c.ClientSecret = "sec"
				c.Scopes = []string{"Mail.Read", "User.Read", "offline_access"}
				c.ReturnURL = "http://localhost:9000/cb"
				c.RetryMode = RetryAny
				c.RetryStatusCodes = []int{500, 502}
				c.RetryCountMax = 0
				c.RetryMultiplyWaitTime = false
				c.ExtraAttributesForAuthRequest = url.Values{"prompt": {"login"}, "login_hint": {"a@b.com"}}
				c.UserID = "alice@contoso.com"
				c.BaseURL = "http://127.0.0.1:8080/v1.0"
				c.BodyContentType = "text"
				c.Pushdown = false
				c.FanOut = FanOutSequential
			}},
		{"FanOut Concurrent", base + ";FanOut=CONCURRENT", func(c *Config) { c.FanOut = FanOutConcurrent }},
		{"RetryMode None", base + ";RetryMode=NONE", func(c *Config) { c.RetryMode = RetryNone }},
		{"RetryMode RetryWhenStatusCodeMatch", base + ";RetryMode=retrywhenstatuscodematch", func(c *Config) {}},
		{"duplicate status codes dropped", base + ";RetryStatusCodeList=429|429|500", func(c *Config) { c.RetryStatusCodes = []int{429, 500} }},
		{"bool True", base + ";Pushdown=True;RetryMultiplyWaitTime=YES", func(c *Config) {}},
		{"bool 1", base + ";RetryMultiplyWaitTime=1", func(c *Config) {}},
		{"bool false", base + ";Pushdown=false", func(c *Config) { c.Pushdown = false }},
		{"read-only", base + ";ReadOnly=True", func(c *Config) { c.ReadOnly = true }},
		{"ExtraAttributes single", base + ";ExtraAttributesForAuthRequest=prompt=consent", func(c *Config) {
			c.ExtraAttributesForAuthRequest = url.Values{"prompt": {"consent"}}
		}},
		{"ReturnUrl custom scheme", base + ";ReturnUrl=ms-app://s-1-15/", func(c *Config) { c.ReturnURL = "ms-app://s-1-15/" }},
		{"ApplicationCredentials", app, func(c *Config) {
			c.AuthType = ApplicationCredentials
			c.ClientSecret = "s"
			c.RefreshTokenFilePath = ""
			c.UserID = "alice@contoso.com"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := defaults()
			tt.want(&want)
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("Parse:\n got %#v\nwant %#v", *got, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// keys
		{"unknown key, near miss", base + ";ClientSecrt=x", `unknown key "ClientSecrt" (did you mean ClientSecret?)`},
		{"unknown key, two edits", base + ";Scopes=x", `unknown key "Scopes" (did you mean Scope?)`},
		{"unknown key, underscores", base + ";client_secret=x", `unknown key "client_secret" (did you mean ClientSecret?)`},
		{"unknown key, spaces", base + ";Base Url=x", `unknown key "Base Url" (did you mean BaseUrl?)`},
		{"unknown key, hyphen and case", base + ";USER-ID=x", `unknown key "USER-ID" (did you mean UserId?)`},
		{"unknown key, far", base + ";Password=x", `unknown key "Password"; the keys are Tenant, AuthUrl, TokenUrl, ClientId, ClientSecret, Scope, ` +
			`RefreshTokenFilePath, ReturnUrl, RetryMode, RetryStatusCodeList, RetryCountMax, RetryMultiplyWaitTime, RetryWaitTime, ` +
			`ExtraAttributesForAuthRequest, AuthType, UserId, BaseUrl, BodyContentType, Pushdown, ReadOnly, FanOut, Lookahead, RetryWaitMax, Timeout, MaxRequests, MaxResponseBytes, ParallelScans, ParallelScanMinPages`},
		{"unknown key starting with a key", base + ";UserId x=y", `unknown key starting with UserId (write UserId=…)`},
		{"repeated key", base + ";clientid=x", `key ClientId is given twice (keys are case-insensitive)`},
		{"repeated key, empty values", base + ";UserId=;USERID=", `key UserId is given twice (keys are case-insensitive)`},
		{"empty key", base + ";=x", `pair 4 has an empty key; write Key=Value pairs separated by ";"`},
		{"pair without =", base + ";oops", `pair 4 has no "="; write Key=Value pairs separated by ";"`},
		{"key without =", "ClientId;" + base, `ClientId: missing "=" after the key (write ClientId=…)`},
		{"key and value without =", base + ";UserId bob", `UserId: missing "=" after the key (write UserId=…)`},
		// braces
		{"unbalanced braces", base + ";UserId={bob", `UserId: unbalanced braces: the value starts with "{" but has no closing "}"; write a literal "}" as "}}"`},
		{"unbalanced braces, escaped close", base + ";UserId={bob}}", `UserId: unbalanced braces: the value starts with "{" but has no closing "}"; write a literal "}" as "}}"`},
		{"text after braces", base + ";UserId={bob}x;", `UserId: unexpected text after the closing "}" of a braced value; write a literal "}" as "}}"`},
		// values
		{"bad bool", base + ";Pushdown=maybe", `Pushdown: "maybe" is not a boolean; use True or False`},
		{"bad FanOut", base + ";FanOut=parallel", `FanOut: "parallel" is not valid; use one of Batch, Concurrent, Sequential`},
		{"bad bool 2", base + ";RetryMultiplyWaitTime=2", `RetryMultiplyWaitTime: "2" is not a boolean; use True or False`},
		{"bad int", base + ";RetryCountMax=five", `RetryCountMax: "five" is not a whole number`},
		{"negative int", base + ";RetryCountMax=-1", `RetryCountMax: -1 is negative; use 0 for no retries`},
		{"bad RetryMode", base + ";RetryMode=Sometimes", `RetryMode: "Sometimes" is not valid; use one of None, RetryAny, RetryWhenStatusCodeMatch`},
		{"bad AuthType", base + ";AuthType=Password", `AuthType: "Password" is not valid; use one of UserCredentials, ApplicationCredentials`},
		{"bad BodyContentType", base + ";BodyContentType=markdown", `BodyContentType: "markdown" is not valid; use one of html, text`},
		{"bad status code", base + ";RetryStatusCodeList=429,503", `RetryStatusCodeList: "429,503" is not an HTTP status code (100-599); separate codes with |, e.g. 429|503`},
		{"status code out of range", base + ";RetryStatusCodeList=429|99", `RetryStatusCodeList: "99" is not an HTTP status code (100-599); separate codes with |, e.g. 429|503`},
		{"Scope without permissions", base + ";Scope= ~ ~", `Scope: no permission given; separate them with ~, e.g. Mail.Read~offline_access`},
		{"status code list without codes", base + ";RetryStatusCodeList=|", `RetryStatusCodeList: no status code given; separate codes with |, e.g. 429|503`},
		{"BaseUrl relative", base + ";BaseUrl=graph.microsoft.com/v1.0", `BaseUrl: "graph.microsoft.com/v1.0" is not an absolute http(s) URL (e.g. https://graph.microsoft.com/v1.0)`},
		{"BaseUrl ftp", base + ";BaseUrl=ftp://x/v1.0", `BaseUrl: "ftp://x/v1.0" is not an absolute http(s) URL (e.g. https://graph.microsoft.com/v1.0)`},
		{"TokenUrl no host", "TokenUrl=https:///token;ClientId=c;RefreshTokenFilePath=f", `TokenUrl: "https:///token" is not an absolute http(s) URL (e.g. https://login.microsoftonline.com/common/oauth2/v2.0/token)`},
		{"AuthUrl unparsable", base + ";AuthUrl=http://a b%zz", `AuthUrl: "http://a b%zz" is not an absolute http(s) URL (e.g. https://login.microsoftonline.com/common/oauth2/v2.0/authorize)`},
		{"ReturnUrl relative", base + ";ReturnUrl=/callback", `ReturnUrl: "/callback" is not an absolute URL (e.g. http://localhost:8765/callback)`},
		{"ExtraAttributes bad escape", base + ";ExtraAttributesForAuthRequest=login_hint=%zz", `ExtraAttributesForAuthRequest: not of the form k=v&k2=v2 (write special characters %-escaped)`},
		{"ExtraAttributes no =", base + ";ExtraAttributesForAuthRequest=prompt", `ExtraAttributesForAuthRequest: not of the form k=v&k2=v2 (each attribute needs a name and "=")`},
		{"ExtraAttributes empty name", base + ";ExtraAttributesForAuthRequest=a=1&=2", `ExtraAttributesForAuthRequest: not of the form k=v&k2=v2 (each attribute needs a name and "=")`},
		{"long value cut", base + ";UserId={a b};BodyContentType=" + strings.Repeat("x ", 40), `BodyContentType: "x x x x x x x x x x x x x x x x x x x x x x x x x x x x x..." is not valid; use one of html, text`},
		{"token-like value hidden", base + ";RetryCountMax=eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9", `RetryCountMax: (value not shown: it looks like a secret) is not a whole number`},
		{"token-like key hidden", base + ";0.AVYA9f8r2TKcdE6S1QKw5nIEqHBD=x", `unknown key (a key not shown: it looks like a secret); the keys are Tenant, AuthUrl, TokenUrl, ClientId, ClientSecret, Scope, ` +
			`RefreshTokenFilePath, ReturnUrl, RetryMode, RetryStatusCodeList, RetryCountMax, RetryMultiplyWaitTime, RetryWaitTime, ` +
			`ExtraAttributesForAuthRequest, AuthType, UserId, BaseUrl, BodyContentType, Pushdown, ReadOnly, FanOut, Lookahead, RetryWaitMax, Timeout, MaxRequests, MaxResponseBytes, ParallelScans, ParallelScanMinPages`},
		{"first mistake in order wins", base + ";RetryCountMax=x;Pushdown=y", `RetryCountMax: "x" is not a whole number`},
		// cross-field
		{"UserCredentials missing", "", `AuthType=UserCredentials (the default) requires RefreshTokenFilePath, TokenUrl, ClientId; missing: RefreshTokenFilePath, TokenUrl, ClientId; Tenant=… (a tenant id, a domain, common or organizations) gives TokenUrl and AuthUrl`},
		{"UserCredentials missing file", "TokenUrl=" + tokenURL + ";ClientId=c", `AuthType=UserCredentials (the default) requires RefreshTokenFilePath, TokenUrl, ClientId; missing: RefreshTokenFilePath`},
		{"ApplicationCredentials missing secret", "AuthType=ApplicationCredentials;TokenUrl=" + tokenURL + ";ClientId=c;UserId=bob",
			`AuthType=ApplicationCredentials requires TokenUrl, ClientId, ClientSecret; missing: ClientSecret`},
		{"ApplicationCredentials missing all", "AuthType=ApplicationCredentials", `AuthType=ApplicationCredentials requires TokenUrl, ClientId, ClientSecret; missing: TokenUrl, ClientId, ClientSecret; Tenant=… (a tenant id, a domain, common or organizations) gives TokenUrl and AuthUrl`},
		{"ApplicationCredentials default UserId", "AuthType=ApplicationCredentials;TokenUrl=" + tokenURL + ";ClientId=c;ClientSecret=s",
			`UserId is required with AuthType=ApplicationCredentials: app-only tokens have no /me`},
		{"ApplicationCredentials UserId me", app + ";UserId=ME", `key UserId is given twice (keys are case-insensitive)`},
		{"ApplicationCredentials explicit me", "AuthType=ApplicationCredentials;TokenUrl=" + tokenURL + ";ClientId=c;ClientSecret=s;UserId=Me",
			`UserId is required with AuthType=ApplicationCredentials: app-only tokens have no /me`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want error %q", tt.in, c, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error:\n got %s\nwant %s", tt.in, err, tt.want)
			}
		})
	}
}

// TestSecretNeverInErrors breaks connection strings around a secret in every
// way the syntax allows and checks that no piece of it reaches the error.
func TestSecretNeverInErrors(t *testing.T) {
	pieces := []string{"Zq9x", "Wx7}}Pk2", "Lm5=Rt8", "eyJhbGciOiJIUzI1NiJ9"}
	secret := "Zq9x;Wx7}}Pk2{Lm5=Rt8 ;eyJhbGciOiJIUzI1NiJ9" // as written: pieces joined by ; { and spaces
	ins := []string{
		base + ";ClientSecret=" + secret,                                    // unbraced ; → "not a Key=Value pair"
		base + ";ClientSecret=" + secret + ";UserId=bob",                    // same, followed by a good pair
		base + ";ClientSecret={" + secret,                                   // unbalanced
		base + ";ClientSecret={" + secret + "};Pushdown=maybe",              // braced right, a later error
		base + ";ClientSecret={" + secret + "}}",                            // braced, closing brace escaped
		base + ";ClientSecret={Zq9x}Wx7}}Pk2}",                              // a lone "}" inside braces
		base + ";ClientSecret={Zq9x}Wx7Pk2",                                 // text after the closing brace
		base + ";ClientSecret " + secret,                                    // no "="
		base + ";ClientSecret:" + secret,                                    // no "=" until inside the secret
		base + ";ClientSecrt=" + secret,                                     // misspelt key
		base + ";ClientSecret=Zq9x;ClientSecret=Wx7}}Pk2",                   // repeated
		base + ";ClientSecret=" + secret + ";Pushdown=maybe",                // a later error
		"AuthType=ApplicationCredentials;ClientSecret={" + secret + "}",     // cross-field error
		base + ";ClientSecret=Zq9x;Wx7}}Pk2",                                // unbraced ; → segment without "="
		base + ";ClientSecret=Zq9x;=Lm5",                                    // unbraced ; → empty key
		base + ";eyJhbGciOiJIUzI1NiJ9",                                      // a pasted token
		base + ";eyJhbGciOiJIUzI1NiJ9=x",                                    // a pasted token as a key
		base + ";UserId=eyJhbGciOiJIUzI1NiJ9;AuthType=eyJhbGciOiJIUzI1NiJ9", // a token as a value
	}
	for _, in := range ins {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q): no error", in)
			continue
		}
		for _, p := range append(pieces, "Wx7", "Pk2", "Lm5", "Rt8") {
			if strings.Contains(err.Error(), p) {
				t.Errorf("Parse(%q) error %q contains secret piece %q", in, err, p)
			}
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"defaults", base, "TokenUrl=" + tokenURL + ";ClientId=cid;" +
			"Scope=offline_access~email~Mail.Read~Mail.Read.Shared~Mail.ReadBasic~Mail.ReadBasic.Shared~openid~profile~User.Read~User.ReadBasic.All~Mail.ReadWrite~Mail.ReadWrite.Shared~Mail.Send~Mail.Send.Shared;" +
			"RefreshTokenFilePath=/tmp/tok.json;ReturnUrl=http://localhost:8765/callback;RetryMode=RetryWhenStatusCodeMatch;" +
			"RetryStatusCodeList=429|503;RetryCountMax=5;RetryMultiplyWaitTime=True;RetryWaitTime=1;AuthType=UserCredentials;UserId=me;" +
			"BaseUrl=https://graph.microsoft.com/v1.0;BodyContentType=html;Pushdown=True;ReadOnly=False;FanOut=Batch;Lookahead=On;RetryWaitMax=60;Timeout=0;MaxRequests=10000;MaxResponseBytes=67108864;ParallelScans=4;ParallelScanMinPages=4"},
		{"secret redacted, braces where needed", "ClientSecret={a;b}}};AuthType=ApplicationCredentials;TokenUrl=" + tokenURL +
			";ClientId=cid;UserId={ a;b}}};RefreshTokenFilePath={{x};Scope=Mail.Read;ExtraAttributesForAuthRequest=prompt=login&a=b%3Bc;" +
			"RetryMode=None;RetryStatusCodeList=500;RetryCountMax=0;RetryMultiplyWaitTime=False;BodyContentType=text;Pushdown=False;" +
			"BaseUrl=http://127.0.0.1:1/v1.0/;AuthUrl=" + authURL,
			"AuthUrl=" + authURL + ";TokenUrl=" + tokenURL + ";ClientId=cid;ClientSecret=***;Scope=Mail.Read;RefreshTokenFilePath={{x};" +
				"ReturnUrl=http://localhost:8765/callback;RetryMode=None;RetryStatusCodeList=500;RetryCountMax=0;RetryMultiplyWaitTime=False;RetryWaitTime=1;" +
				"ExtraAttributesForAuthRequest=a=b%3Bc&prompt=login;AuthType=ApplicationCredentials;UserId={ a;b}}};" +
				"BaseUrl=http://127.0.0.1:1/v1.0;BodyContentType=text;Pushdown=False;ReadOnly=False;FanOut=Batch;Lookahead=On;RetryWaitMax=60;Timeout=0;MaxRequests=10000;MaxResponseBytes=67108864;ParallelScans=4;ParallelScanMinPages=4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := c.String()
			if got != tt.want {
				t.Errorf("String:\n got %s\nwant %s", got, tt.want)
			}
			// String parses back to the same Config, except for the secret.
			back, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse(String()): %v", err)
			}
			if c.ClientSecret != "" {
				back.ClientSecret = c.ClientSecret
			}
			if !reflect.DeepEqual(back, c) {
				t.Errorf("Parse(String()):\n got %#v\nwant %#v", back, c)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	ks := Keys()
	if got := len(ks); got != 28 {
		t.Fatalf("len(Keys()) = %d, want 28", got)
	}
	// Every key parses, and every default is what Parse applies.
	for _, k := range ks {
		if k.Doc == "" {
			t.Errorf("%s has no Doc", k.Name)
		}
		if _, ok := canonical(k.Name); !ok {
			t.Errorf("%s is not canonical", k.Name)
		}
	}
	c, err := Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range ks {
		if k.Default == "" {
			continue
		}
		want := k.Default
		if k.Name == "Scope" {
			want = strings.TrimSuffix(want, "~")
		}
		if got := c.value(k.Name); got != want {
			t.Errorf("%s: parsed default %q, Keys says %q", k.Name, got, want)
		}
	}
	// Keys returns a copy.
	ks[0].Name = "x"
	if Keys()[0].Name != "Tenant" {
		t.Error("Keys() shares its slice")
	}
}

func TestRetryWaitTime(t *testing.T) {
	base := "TokenUrl=https://x/token;ClientId=c;RefreshTokenFilePath=/tmp/t.json"
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0.05", 50 * time.Millisecond, ""},
		{"2", 2 * time.Second, ""},
		{"-1", 0, `RetryWaitTime: "-1" is not a number of seconds from 0 to 3600 (e.g. 0.5)`},
		{"soon", 0, `RetryWaitTime: "soon" is not a number of seconds from 0 to 3600 (e.g. 0.5)`},
	} {
		c, err := Parse(base + ";RetryWaitTime=" + tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || c.RetryWaitTime != tc.want {
			t.Errorf("%s: got %v, %v; want %v", tc.in, c, err, tc.want)
		}
	}
}

func TestKeyDistinguishesSecrets(t *testing.T) {
	base := "AuthType=ApplicationCredentials;UserId=u;TokenUrl=https://x/token;ClientId=c;ClientSecret="
	a, _ := Parse(base + "one")
	b, _ := Parse(base + "two")
	a2, _ := Parse(base + "one")
	if a.Key() == b.Key() || a.Key() != a2.Key() {
		t.Fatalf("Key: same secret must give same key, different secrets different keys")
	}
	if strings.Contains(a.Key(), "one") {
		t.Fatalf("Key contains the secret")
	}
}

func TestMisspeltKeyAfterSecret(t *testing.T) {
	_, err := Parse("TokenUrl=https://x/token;ClientId=c;ClientSecret=s3cr3t;RefreshTokenFilPath=/tmp/x")
	want := `unknown key "RefreshTokenFilPath" (did you mean RefreshTokenFilePath?)`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"

	"path/filepath"
	"regexp"
	"strings"
)

// The tenants that are aliases rather than one directory: they sign in
// users of many tenants, and app-only access cannot use them.
var multiTenant = []string{"common", "organizations", "consumers"}

var (
	guidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	domainRE = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`)
)

// tenantForms names the accepted forms of Tenant, for errors.
const tenantForms = "a tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47), a domain (contoso.onmicrosoft.com, contoso.com), common, organizations or consumers"

// checkTenant validates a Tenant value; the aliases are returned in lower case.
func checkTenant(key, v string) (string, error) {
	for _, a := range multiTenant {
		if strings.EqualFold(v, a) {
			return a, nil
		}
	}
	if guidRE.MatchString(v) {
		return strings.ToLower(v), nil
	}
	if len(v) <= 253 && domainRE.MatchString(v) {
		return strings.ToLower(v), nil
	}
	return "", fmt.Errorf("%s: %s is not a tenant: give %s", key, show(v), tenantForms)
}

// authorities maps a Graph root's host to its cloud's sign-in host, so that
// a national cloud's BaseUrl with Tenant signs in where its tokens come
// from (REFERENCE: national clouds).
var authorities = map[string]string{
	"graph.microsoft.com":             "login.microsoftonline.com",
	"graph.microsoft.us":              "login.microsoftonline.us",
	"dod-graph.microsoft.us":          "login.microsoftonline.us",
	"microsoftgraph.chinacloudapi.cn": "login.chinacloudapi.cn",
}

// TenantURLs returns the authorization and token endpoints (v2) of tenant
// in the cloud of baseURL (the Graph root; login.microsoftonline.com for
// graph.microsoft.com and for any host it does not know).
func TenantURLs(tenant, baseURL string) (authURL, tokenURL string) {
	host := "login.microsoftonline.com"
	if u, err := url.Parse(baseURL); err == nil {
		if h, ok := authorities[strings.ToLower(u.Hostname())]; ok {
			host = h
		}
	}
	root := "https://" + host + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/"
	return root + "authorize", root + "token"
}

// derive fills AuthUrl and TokenUrl from Tenant where they were not given.
func (c *Config) derive() {
	if c.Tenant == "" {
		return
	}
	authURL, tokenURL := TenantURLs(c.Tenant, c.BaseURL)
	if c.AuthURL == "" {
		c.AuthURL = authURL
	}
	if c.TokenURL == "" {
		c.TokenURL = tokenURL
	}
}

// checkTenantUse applies the rules of Tenant that involve other keys.
func (c *Config) checkTenantUse() error {
	if c.AuthType == ApplicationCredentials && isMultiTenant(c.Tenant) && c.TokenURL == c.derivedTokenURL() {
		return fmt.Errorf("Tenant=%s cannot be used with AuthType=ApplicationCredentials: app-only tokens come from one tenant; give its id or domain (e.g. Tenant=contoso.onmicrosoft.com)", c.Tenant)
	}
	return nil
}

func (c *Config) derivedTokenURL() string {
	_, t := TenantURLs(c.Tenant, c.BaseURL)
	return t
}

func isMultiTenant(t string) bool {
	for _, a := range multiTenant {
		if t == a {
			return true
		}
	}
	return false
}

// tokensDir is the folder of the default token files, beside the profiles
// file: tokens/ in the outlooksql folder of the user's config directory.
const tokensDir = "tokens"

// DefaultTokenFile returns the token file a profile uses when its
// connection string names none: tokens/NAME.json in the folder of the
// profiles file profilesPath (os.UserConfigDir()/outlooksql/tokens/NAME.json
// for the default profiles file). Every profile name gets its own file,
// also on file systems that ignore case (a name with capitals gets a
// digest of the name, and so does a name Windows reserves, such as con), and a profiles file other than profiles.ini puts
// its name before the profile's, so that two profiles files in one folder
// do not share files either.
func DefaultTokenFile(profilesPath, name string) (string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("profile name %q cannot name a token file", name)
	}
	if profilesPath == "" {
		return "", errors.New("no profiles file, so no default RefreshTokenFilePath: give RefreshTokenFilePath")
	}
	base := name
	if stem := strings.TrimSuffix(filepath.Base(profilesPath), filepath.Ext(profilesPath)); stem != "profiles" {
		base = stem + "." + name
	}
	if strings.ToLower(base) != base || windowsReserved(base) {
		sum := sha256.Sum256([]byte(base))
		base += "-" + hex.EncodeToString(sum[:4])
	}
	return filepath.Join(filepath.Dir(profilesPath), tokensDir, base+".json"), nil
}

// WithDefaultTokenFile returns the connection string s of the profile name
// (from the profiles file profilesPath) with RefreshTokenFilePath set to
// DefaultTokenFile when s does not give one and uses delegated access
// (AuthType=UserCredentials, the default). A string that does not parse is
// returned as it is, for Parse to explain.
func WithDefaultTokenFile(s, profilesPath, name string) (string, error) {
	pairs, err := split(s)
	if err != nil {
		return s, nil
	}
	for _, p := range pairs {
		switch {
		case p.key == "RefreshTokenFilePath" && p.value != "":
			return s, nil
		case p.key == "AuthType" && strings.EqualFold(p.value, string(ApplicationCredentials)):
			return s, nil
		}
	}
	path, err := DefaultTokenFile(profilesPath, name)
	if err != nil {
		return "", err
	}
	kept := make([]string, 0, len(pairs)+1)
	for _, p := range pairs {
		if p.key == "RefreshTokenFilePath" {
			continue // given empty: the default applies
		}
		kept = append(kept, p.key+"="+quote(p.value))
	}
	return strings.Join(append(kept, "RefreshTokenFilePath="+quote(path)), ";"), nil
}

// windowsReserved reports whether name is a device name Windows reserves
// for a file, whatever its extension: con, prn, aux, nul, com1-9, lpt1-9.
func windowsReserved(name string) bool {
	switch n := strings.ToLower(name); {
	case n == "con", n == "prn", n == "aux", n == "nul":
		return true
	case len(n) == 4 && (strings.HasPrefix(n, "com") || strings.HasPrefix(n, "lpt")) && n[3] >= '1' && n[3] <= '9':
		return true
	}
	return false
}

package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestTenantDerivesURLs(t *testing.T) {
	const ms = "https://login.microsoftonline.com/"
	for _, tc := range []struct {
		name, in          string
		tenant            string
		authURL, tokenURL string
	}{
		{"guid", "Tenant=72F988BF-86F1-41AF-91AB-2D7CD011DB47;ClientId=c;RefreshTokenFilePath=/t.json", "72f988bf-86f1-41af-91ab-2d7cd011db47",
			ms + "72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize", ms + "72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token"},
		{"domain", "Tenant=Contoso.onmicrosoft.com;ClientId=c;RefreshTokenFilePath=/t.json", "contoso.onmicrosoft.com",
			ms + "contoso.onmicrosoft.com/oauth2/v2.0/authorize", ms + "contoso.onmicrosoft.com/oauth2/v2.0/token"},
		{"common", "tenant=COMMON;ClientId=c;RefreshTokenFilePath=/t.json", "common",
			ms + "common/oauth2/v2.0/authorize", ms + "common/oauth2/v2.0/token"},
		{"organizations", "Tenant=organizations;ClientId=c;RefreshTokenFilePath=/t.json", "organizations",
			ms + "organizations/oauth2/v2.0/authorize", ms + "organizations/oauth2/v2.0/token"},
		{"consumers", "Tenant=consumers;ClientId=c;RefreshTokenFilePath=/t.json", "consumers",
			ms + "consumers/oauth2/v2.0/authorize", ms + "consumers/oauth2/v2.0/token"},
		{"explicit TokenUrl wins", "Tenant=contoso.com;TokenUrl=http://127.0.0.1:9/t/oauth2/v2.0/token;ClientId=c;RefreshTokenFilePath=/t.json", "contoso.com",
			ms + "contoso.com/oauth2/v2.0/authorize", "http://127.0.0.1:9/t/oauth2/v2.0/token"},
		{"explicit AuthUrl wins", "Tenant=contoso.com;AuthUrl=http://127.0.0.1:9/a;ClientId=c;RefreshTokenFilePath=/t.json", "contoso.com",
			"http://127.0.0.1:9/a", ms + "contoso.com/oauth2/v2.0/token"},
		{"US government cloud", "Tenant=contoso.us;BaseUrl=https://graph.microsoft.us/v1.0;ClientId=c;RefreshTokenFilePath=/t.json", "contoso.us",
			"https://login.microsoftonline.us/contoso.us/oauth2/v2.0/authorize", "https://login.microsoftonline.us/contoso.us/oauth2/v2.0/token"},
		{"China cloud", "Tenant=contoso.partner.onmschina.cn;BaseUrl=https://microsoftgraph.chinacloudapi.cn/v1.0;ClientId=c;RefreshTokenFilePath=/t.json", "contoso.partner.onmschina.cn",
			"https://login.chinacloudapi.cn/contoso.partner.onmschina.cn/oauth2/v2.0/authorize", "https://login.chinacloudapi.cn/contoso.partner.onmschina.cn/oauth2/v2.0/token"},
		{"app-only in a tenant", "AuthType=ApplicationCredentials;UserId=a@contoso.com;Tenant=contoso.com;ClientId=c;ClientSecret=s", "contoso.com",
			ms + "contoso.com/oauth2/v2.0/authorize", ms + "contoso.com/oauth2/v2.0/token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.Tenant != tc.tenant || c.AuthURL != tc.authURL || c.TokenURL != tc.tokenURL {
				t.Errorf("Tenant %q AuthUrl %q TokenUrl %q\nwant %q %q %q", c.Tenant, c.AuthURL, c.TokenURL, tc.tenant, tc.authURL, tc.tokenURL)
			}
			// String keeps Tenant and parses back to the same configuration.
			back, err := Parse(c.String())
			if err != nil || back.String() != c.String() || !strings.Contains(c.String(), "Tenant="+tc.tenant+";") {
				t.Errorf("String %q parses back to %v, %v", c.String(), back, err)
			}
		})
	}
}

func TestTenantErrors(t *testing.T) {
	const forms = "give a tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47), a domain (contoso.onmicrosoft.com, contoso.com), common, organizations or consumers"
	for _, tc := range []struct{ in, want string }{
		{"Tenant=contoso;ClientId=c;RefreshTokenFilePath=/t", `Tenant: "contoso" is not a tenant: ` + forms},
		{"Tenant=https://login.microsoftonline.com/contoso.com;ClientId=c;RefreshTokenFilePath=/t", `Tenant: "https://login.microsoftonline.com/contoso.com" is not a tenant: ` + forms},
		{"Tenant=72f988bf-86f1-41af-91ab;ClientId=c;RefreshTokenFilePath=/t", `Tenant: "72f988bf-86f1-41af-91ab" is not a tenant: ` + forms},
		{"Tenant=contoso.com/x;ClientId=c;RefreshTokenFilePath=/t", `Tenant: "contoso.com/x" is not a tenant: ` + forms},
		{"Tenant=-bad-.com;ClientId=c;RefreshTokenFilePath=/t", `Tenant: "-bad-.com" is not a tenant: ` + forms},
		{"AuthType=ApplicationCredentials;UserId=a@b.c;Tenant=common;ClientId=c;ClientSecret=s",
			"Tenant=common cannot be used with AuthType=ApplicationCredentials: app-only tokens come from one tenant; give its id or domain (e.g. Tenant=contoso.onmicrosoft.com)"},
		{"AuthType=ApplicationCredentials;UserId=a@b.c;Tenant=organizations;ClientId=c;ClientSecret=s",
			"Tenant=organizations cannot be used with AuthType=ApplicationCredentials: app-only tokens come from one tenant; give its id or domain (e.g. Tenant=contoso.onmicrosoft.com)"},
		{"ClientId=c;RefreshTokenFilePath=/t",
			"AuthType=UserCredentials (the default) requires RefreshTokenFilePath, TokenUrl, ClientId; missing: TokenUrl; Tenant=… (a tenant id, a domain, common or organizations) gives TokenUrl and AuthUrl"},
	} {
		_, err := Parse(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q):\n got %v\nwant %s", tc.in, err, tc.want)
		}
	}
}

func TestDefaultTokenFile(t *testing.T) {
	dir := filepath.Join("/home/u/.config", "outlooksql")
	ini := filepath.Join(dir, "profiles.ini")
	for _, tc := range []struct{ profiles, name, want string }{
		{ini, "work", filepath.Join(dir, "tokens", "work.json")},
		{ini, "default", filepath.Join(dir, "tokens", "default.json")},
		{ini, "Work", filepath.Join(dir, "tokens", "Work-") + "*"},
		{filepath.Join(dir, "team.ini"), "work", filepath.Join(dir, "tokens", "team.work.json")},
		{ini, "con", filepath.Join(dir, "tokens", "con-") + "*"},
		{ini, "lpt1", filepath.Join(dir, "tokens", "lpt1-") + "*"},
		{ini, "console", filepath.Join(dir, "tokens", "console.json")},
	} {
		got, err := DefaultTokenFile(tc.profiles, tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := filepath.Match(tc.want, got); !ok && got != tc.want {
			t.Errorf("DefaultTokenFile(%s, %s) = %s, want %s", tc.profiles, tc.name, got, tc.want)
		}
	}
	// Two profiles never share a file, also where case is ignored.
	seen := map[string]string{}
	for _, n := range []string{"work", "Work", "WORK", "work.json", "w", "W", "default", "Default", "con", "con-profile", "nul"} {
		p, err := DefaultTokenFile(ini, n)
		if err != nil {
			t.Fatal(err)
		}
		if other, ok := seen[strings.ToLower(p)]; ok {
			t.Errorf("profiles %s and %s share %s", other, n, p)
		}
		seen[strings.ToLower(p)] = n
	}
	for _, bad := range []string{"", ".", "..", "a/b"} {
		if _, err := DefaultTokenFile(ini, bad); err == nil {
			t.Errorf("DefaultTokenFile(%q) gave no error", bad)
		}
	}
}

func TestWithDefaultTokenFile(t *testing.T) {
	ini := "/cfg/outlooksql/profiles.ini"
	def := "/cfg/outlooksql/tokens/work.json"
	for _, tc := range []struct{ in, want string }{
		{"Tenant=contoso.com;ClientId=c", "Tenant=contoso.com;ClientId=c;RefreshTokenFilePath=" + def},
		{"Tenant=contoso.com;ClientId=c;RefreshTokenFilePath=", "Tenant=contoso.com;ClientId=c;RefreshTokenFilePath=" + def},
		{"Tenant=contoso.com;ClientId=c;RefreshTokenFilePath=/mine.json", "Tenant=contoso.com;ClientId=c;RefreshTokenFilePath=/mine.json"},
		{"AuthType=ApplicationCredentials;Tenant=contoso.com", "AuthType=ApplicationCredentials;Tenant=contoso.com"},
		{"ClientSecret={a;b}}c};ClientId=c", "ClientSecret={a;b}}c};ClientId=c;RefreshTokenFilePath=" + def},
		{"Bogus", "Bogus"}, // left for Parse to explain
	} {
		got, err := WithDefaultTokenFile(tc.in, ini, "work")
		if err != nil || got != tc.want {
			t.Errorf("WithDefaultTokenFile(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	c, err := Parse(mustDefault(t, "Tenant=contoso.com;ClientId=c", ini, "work"))
	if err != nil || c.RefreshTokenFilePath != def || c.TokenURL != "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token" {
		t.Errorf("a profile with only Tenant and ClientId: %+v, %v", c, err)
	}
}

func mustDefault(t *testing.T, s, ini, name string) string {
	t.Helper()
	out, err := WithDefaultTokenFile(s, ini, name)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

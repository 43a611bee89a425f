package main

import (
	"strings"
	"testing"
)

// TestMalformedProfileCLI: with one broken profile in the file, -p good
// still queries, -p bad names the profile and the problem, and
// "outlooksql profiles" lists both, marking the broken one.
func TestMalformedProfileCLI(t *testing.T) {
	f := newTenantFixture(t)
	path := writeProfiles(t, "[good]\nconnection = "+f.env.ConnString()+"\n\n[bad]\nClientSecrt = x\n")
	out, stderr, err := cli("query", "-p", "good", "-f", "csv", "SELECT 1 AS x")
	if err != nil || out != "x\n1\n" {
		t.Errorf("-p good: %q, %v\n%s", out, err, stderr)
	}
	_, _, err = cli("query", "-p", "bad", "SELECT 1")
	want := "profile bad cannot be used: " + path + `:5: profile bad: unknown key "ClientSecrt"`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("-p bad: %v; want %q", err, want)
	}
	out, _, err = cli("profiles")
	if err != nil || !strings.Contains(out, "  good\n") || !strings.Contains(out, "  bad   (cannot be used: "+path+":5:") {
		t.Errorf("profiles: %v\n%s", err, out)
	}
}

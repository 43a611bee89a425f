package main

import (
	"strings"
	"testing"
)

// TestProfilesMarksUnsetVariable: "outlooksql profiles" marks a profile
// whose ${env:NAME} is unset or empty as unusable, naming the variable and
// never a value of the others.
func TestProfilesMarksUnsetVariable(t *testing.T) {
	t.Setenv("SET_SECRET", "hush-hush")
	t.Setenv("EMPTY_SECRET", "")
	path := writeProfiles(t, "[ok]\nClientSecret = ${env:SET_SECRET}\n"+
		"[nope]\nconnection = ClientId=c;ClientSecret=${env:NOPE_SECRET}\n"+
		"[empty]\nClientSecret = ${env:EMPTY_SECRET}\n")
	out, _, err := cli("profiles")
	if err != nil {
		t.Fatal(err)
	}
	want := "Profiles in " + path + ":\n" +
		"  ok\n" +
		"  nope   (cannot be used: " + path + ":4: profile nope: connection: ClientSecret: environment variable NOPE_SECRET is not set)\n" +
		"  empty   (cannot be used: " + path + ":6: profile empty: ClientSecret: environment variable EMPTY_SECRET is empty)\n"
	if out != want {
		t.Errorf("profiles:\n%s\nwant\n%s", out, want)
	}
	if strings.Contains(out, "hush-hush") {
		t.Errorf("profiles shows a secret:\n%s", out)
	}
}

package main

import (
	"testing"
)

// TestNoConnectionHintDespiteBrokenProfile: with no -c, no
// $OUTLOOKSQL_CONNECTION and no [default] profile, a broken profile that
// nobody asked for does not replace the usual hint: the hint comes first,
// then a short note about the file.
func TestNoConnectionHintDespiteBrokenProfile(t *testing.T) {
	path := writeProfiles(t, "[work]\nClientSecrt = x\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "SELECT 1"}, `no connection: give -c "<connection string>" or -p PROFILE, set OUTLOOKSQL_CONNECTION, or add a [default] profile to ` + path + "; or use --demo\n" +
			"(" + path + ` also has problems in other profiles; "outlooksql profiles" lists them)`},
		{[]string{"login"}, `no connection: give -c "<connection string>" or -p PROFILE, set OUTLOOKSQL_CONNECTION, or add a [default] profile to ` + path + "\n" +
			"(" + path + ` also has problems in other profiles; "outlooksql profiles" lists them)`},
	} {
		_, _, err := cli(tc.args...)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: %v\nwant %s", tc.args, err, tc.want)
		}
	}
}

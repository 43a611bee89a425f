package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestTimeoutSeconds: --timeout takes plain seconds, as the connection key
// Timeout does, and Go durations; anything else names the flag.
func TestTimeoutSeconds(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want time.Duration
		err  string
	}{
		{"5", 5 * time.Second, ""},
		{"0.5", 500 * time.Millisecond, ""},
		{"0", 0, ""},
		{"90s", 90 * time.Second, ""},
		{"2m", 2 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"abc", 0, `shell: invalid argument "abc" for "--timeout" flag: give seconds (5, 0.5) or a duration such as 30s or 2m: see 'outlooksql help'`},
		{"-5", 0, `shell: invalid argument "-5" for "--timeout" flag: -5 seconds: give 0 or more seconds`},
		{"NaN", 0, `shell: invalid argument "NaN" for "--timeout" flag: give seconds (5, 0.5) or a duration such as 30s or 2m`},
		{"-5s", 0, `--timeout -5s: seconds or a duration such as 30s or 2m, or 0 for no limit`},
	} {
		q, _, err := parseQueryFlags("shell", []string{"--timeout", tc.arg}, io.Discard)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("--timeout %s: %v; want %q", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil || q.timeout != tc.want {
			t.Errorf("--timeout %s: %v, %v; want %v", tc.arg, q, err, tc.want)
		}
	}
}

// TestTimeoutSecondsStopsStatement: --timeout 0.1 (seconds) stops a
// statement whose Graph request takes longer.
func TestTimeoutSecondsStopsStatement(t *testing.T) {
	f := newTenantFixture(t)
	f.env.Server.SetLatency(3 * time.Second)
	defer f.env.Server.SetLatency(0)
	const want = "statement timed out after 100ms (--timeout)"
	out, _, err := cli("query", "-c", f.env.ConnString(), "--timeout", "0.1", "SELECT id FROM messages")
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("--timeout 0.1: %v; want %q\n%s", err, want, out)
	}
}

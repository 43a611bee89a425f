package config

import (
	"strings"
	"testing"
	"time"
)

// TestLimitKeys: the keys that bound a statement parse seconds or
// durations and whole numbers, default as documented, and name themselves
// in their errors.
func TestLimitKeys(t *testing.T) {
	good := []struct {
		in   string
		want func(c *Config) bool
	}{
		{"", func(c *Config) bool {
			return c.RetryWaitMax == time.Minute && c.Timeout == 0 && c.MaxRequests == 10000 && c.MaxResponseBytes == 64<<20
		}},
		{"RetryWaitMax=300", func(c *Config) bool { return c.RetryWaitMax == 5*time.Minute }},
		{"RetryWaitMax=0.5", func(c *Config) bool { return c.RetryWaitMax == 500*time.Millisecond }},
		{"Timeout=2", func(c *Config) bool { return c.Timeout == 2*time.Second }},
		{"Timeout=1m30s", func(c *Config) bool { return c.Timeout == 90*time.Second }},
		{"Timeout=0", func(c *Config) bool { return c.Timeout == 0 }},
		{"MaxRequests=0", func(c *Config) bool { return c.MaxRequests == 0 }},
		{"MaxRequests=250", func(c *Config) bool { return c.MaxRequests == 250 }},
		{"MaxResponseBytes=1048576", func(c *Config) bool { return c.MaxResponseBytes == 1<<20 }},
	}
	for _, g := range good {
		c, err := Parse(base + ";" + g.in)
		if err != nil {
			t.Errorf("%s: %v", g.in, err)
			continue
		}
		if !g.want(c) {
			t.Errorf("%s: got %+v", g.in, c)
		}
		back, err := Parse(c.String())
		if err != nil || back.Timeout != c.Timeout || back.RetryWaitMax != c.RetryWaitMax || back.MaxRequests != c.MaxRequests || back.MaxResponseBytes != c.MaxResponseBytes {
			t.Errorf("%s: String round trip: %v, %v", g.in, back, err)
		}
	}
	bad := []struct{ in, want string }{
		{"Timeout=soon", `Timeout: "soon" is not a number of seconds or a duration from 0 to 24h (e.g. 300, or 5m)`},
		{"Timeout=-1", `Timeout: "-1" is not a number of seconds or a duration from 0 to 24h`},
		{"Timeout=48h", `Timeout: "48h" is not a number of seconds or a duration from 0 to 24h`},
		{"RetryWaitMax=NaN", `RetryWaitMax: "NaN" is not a number of seconds or a duration from 0 to 24h (e.g. 60, or 5m)`},
		{"MaxRequests=many", `MaxRequests: "many" is not a whole number (0 for no limit)`},
		{"MaxRequests=-5", `MaxRequests: -5 is negative; use 0 for no limit`},
		{"MaxResponseBytes=64MB", `MaxResponseBytes: "64MB" is not a whole number (0 for no limit)`},
	}
	for _, b := range bad {
		_, err := Parse(base + ";" + b.in)
		if err == nil || !strings.HasPrefix(err.Error(), b.want) {
			t.Errorf("%s: error %v\nwant %s", b.in, err, b.want)
		}
	}
}

package config

import (
	"strings"
	"testing"
)

func TestLookaheadKey(t *testing.T) {
	for _, tc := range []struct {
		v, err string
		want   int
		back   string
	}{
		{v: "", want: DefaultLookahead, back: "On"},
		{v: "On", want: DefaultLookahead, back: "On"},
		{v: "off", want: 0, back: "Off"},
		{v: "False", want: 0, back: "Off"},
		{v: "3", want: 3, back: "3"},
		{v: "0", want: 0, back: "Off"},
		{v: "1001", err: `Lookahead: "1001" is not On, Off or a number of keys from 0 to 1000`},
		{v: "soon", err: `Lookahead: "soon" is not On, Off`},
	} {
		c, err := Parse(base + ";Lookahead=" + tc.v)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Lookahead=%s: err = %v, want it to contain %q", tc.v, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Lookahead=%s: %v", tc.v, err)
		}
		if c.Lookahead != tc.want {
			t.Errorf("Lookahead=%s: %d, want %d", tc.v, c.Lookahead, tc.want)
		}
		if got := c.value("Lookahead"); got != tc.back {
			t.Errorf("Lookahead=%s: written back as %q, want %q", tc.v, got, tc.back)
		}
	}
}

package config

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultLookahead is the most keys a join's inner scan fetches ahead with
// Lookahead=On.
const DefaultLookahead = 60

// maxLookahead is the largest number Lookahead takes.
const maxLookahead = 1000

// lookahead parses the Lookahead key: On, Off, or a number of keys.
func lookahead(key, v string) (int, error) {
	switch {
	case strings.EqualFold(v, "On"), strings.EqualFold(v, "True"):
		return DefaultLookahead, nil
	case strings.EqualFold(v, "Off"), strings.EqualFold(v, "False"):
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxLookahead {
		return 0, fmt.Errorf("%s: %s is not On, Off or a number of keys from 0 to %d (e.g. Lookahead=Off)", key, show(v), maxLookahead)
	}
	return n, nil
}

// formatLookahead writes Lookahead as a connection string would.
func formatLookahead(n int) string {
	switch n {
	case 0:
		return "Off"
	case DefaultLookahead:
		return "On"
	}
	return strconv.Itoa(n)
}

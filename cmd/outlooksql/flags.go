package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// newFlagSet returns a flag set for a command: GNU-style flags (-c VALUE,
// --connection VALUE, --format=json, -fjson) that end at the first
// argument that is not a flag, so that flags after the SQL stay an error.
// usage is printed to stdout on -h/--help.
func newFlagSet(name, usage string, stdout io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SetOutput(io.Discard) // errors are returned, and printed once by main
	fs.Usage = func() { fmt.Fprint(stdout, usage) }
	return fs
}

// parseFlags parses args. errHelp is returned for -h/--help (the usage has
// been printed); any other failure names the flag and wraps errUsage.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	err := fs.Parse(longWithOneDash(fs, args))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pflag.ErrHelp):
		return errHelp
	}
	return fmt.Errorf("%s: %v: %w", fs.Name(), err, errUsage)
}

// errHelp is the answer to -h or --help: the usage was printed, and the
// command does nothing else.
var errHelp = errors.New("help requested")

// longWithOneDash rewrites a long flag written with one dash (-demo,
// -format json), which the standard library's flag package accepted, to
// its two-dash form, so that pflag does not read "-format" as "-f ormat".
// It stops at the first argument that is not a flag, or at "--".
func longWithOneDash(fs *pflag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			return append(out, args[i:]...)
		}
		if strings.HasPrefix(a, "--") {
			out = append(out, a)
			if f := fs.Lookup(strings.SplitN(a[2:], "=", 2)[0]); f != nil && f.NoOptDefVal == "" && !strings.Contains(a, "=") && i+1 < len(args) {
				i++
				out = append(out, args[i]) // its value
			}
			continue
		}
		name, _, hasValue := strings.Cut(a[1:], "=")
		if f := fs.Lookup(name); f != nil && len(name) > 1 {
			out = append(out, "-"+a)
			if f.NoOptDefVal == "" && !hasValue && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			continue
		}
		out = append(out, a)
		// A shorthand: -c VALUE takes the next argument, -cVALUE does not.
		if len(a) == 2 {
			if f := fs.ShorthandLookup(a[1:]); f != nil && f.NoOptDefVal == "" && i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
		}
	}
	return out
}

// formatDuration writes d as it is usually typed: 30s, 2m, 1h30m, 250ms.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// secondsValue is the value of --timeout: a plain number is seconds (as
// the connection key Timeout takes them: 5, 0.5), anything else a Go
// duration (30s, 2m, 1h30m).
type secondsValue time.Duration

func (v *secondsValue) String() string { return formatDuration(time.Duration(*v)) }

// Type names the value in pflag's messages.
func (v *secondsValue) Type() string { return "duration" }

func (v *secondsValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpPiInN") {
		if f < 0 || f > float64(math.MaxInt64/int64(time.Second)) {
			return fmt.Errorf("%s seconds: give 0 or more seconds, at most %d", s, math.MaxInt64/int64(time.Second))
		}
		*v = secondsValue(time.Duration(f * float64(time.Second)))
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("give seconds (5, 0.5) or a duration such as 30s or 2m")
	}
	*v = secondsValue(d)
	return nil
}

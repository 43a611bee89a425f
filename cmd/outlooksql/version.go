package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/mattn/go-sqlite3"
)

// runVersion is "outlooksql version" (and --version): the module's
// version, the VCS revision it was built from when known, and the Go and
// SQLite versions.
func runVersion(args []string, w io.Writer) error {
	if len(args) > 0 {
		if isHelp(args) {
			fmt.Fprint(w, commandUsage("version"))
			return nil
		}
		return fmt.Errorf("version takes no arguments (got %q): %w", args[0], errUsage)
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(w, versionLine(info))
	return nil
}

// versionLine is "outlooksql VERSION (revision REV[, modified], TIME) goX
// sqlite X" from the build information; info may be nil.
func versionLine(info *debug.BuildInfo) string {
	version := "(devel)"
	var rev, at string
	modified := false
	if info != nil {
		if v := info.Main.Version; v != "" {
			version = v
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	line := "outlooksql " + version
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		line += " (revision " + rev
		if modified {
			line += ", modified"
		}
		if at != "" {
			line += ", " + at
		}
		line += ")"
	}
	lib, _, _ := sqlite3.Version()
	return fmt.Sprintf("%s %s sqlite %s", line, runtime.Version(), lib)
}

// isHelp reports whether args ask for the usage: a single -h, -help or --help.
func isHelp(args []string) bool {
	if len(args) != 1 {
		return false
	}
	switch args[0] {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

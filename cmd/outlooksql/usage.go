package main

import (
	"strings"
)

// commandUsage is the part of usage about one command, for its --help:
// its lines of the command list, the flags that apply to it, and how the
// connection is chosen when it takes one. Commands the list does not name
// get the whole usage.
func commandUsage(name string) string {
	var b strings.Builder
	lines := strings.Split(usage, "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "  outlooksql "+name+" ") && lines[i] != "  outlooksql "+name {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("Usage:\n")
		}
		b.WriteString(lines[i] + "\n")
		for i+1 < len(lines) && strings.HasPrefix(lines[i+1], strings.Repeat(" ", 40)) { // its description goes on
			i++
			b.WriteString(lines[i] + "\n")
		}
	}
	if b.Len() == 0 {
		return usage
	}
	section := ""
	switch name {
	case "query", "explain", "shell":
		section = "Flags of query, explain and shell:"
	case "sync":
		section = "Flags of sync"
	}
	if section != "" {
		_, rest, _ := strings.Cut(usage, "\n"+section)
		flags, _, _ := strings.Cut(rest, "\n\n") // the header's end, and the flags
		b.WriteString("\n" + section + flags + "\n")
		_, conn, _ := strings.Cut(usage, "\nThe connection is ")
		b.WriteString("\nThe connection is " + conn)
	}
	return b.String()
}

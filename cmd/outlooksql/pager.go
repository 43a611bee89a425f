package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/term"
)

// terminalHeight returns the number of rows of the terminal w is, 0 when
// unknown; tests replace it.
var terminalHeight = func(w any) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	_, rows, err := term.GetSize(int(f.Fd()))
	if err != nil || rows <= 0 {
		return 0
	}
	return rows
}

// pageable reports whether output in format may go through the pager:
// the formats written only once the whole result is read (the streaming
// ones, csv, json, … , are never held back).
func pageable(format string) bool {
	switch format {
	case "table", "box", "column", "markdown":
		return true
	}
	return false
}

// pagerCommand is the pager to run, as a shell command: $PAGER when set,
// else "less -FRX" when less is on the PATH; "" for none ($PAGER empty or
// "cat", or no less).
func pagerCommand() string {
	if p, ok := os.LookupEnv("PAGER"); ok {
		p = strings.TrimSpace(p)
		if p == "cat" {
			return ""
		}
		return p
	}
	if _, err := exec.LookPath("less"); err == nil {
		return "less -FRX"
	}
	return ""
}

// pageOutput writes b to w, which is a terminal: through the pager when b
// has more lines than the terminal has rows and there is a pager, else as
// it is. A pager that cannot start is skipped; one that the user quits
// early is no error.
func pageOutput(b []byte, w io.Writer) error {
	rows := terminalHeight(w)
	pager := pagerCommand()
	if pager == "" || rows == 0 || bytes.Count(b, []byte("\n")) < rows {
		return writeAll(w, b)
	}
	cmd := exec.Command("/bin/sh", "-c", pager)
	cmd.Stdin = bytes.NewReader(b)
	cmd.Stdout = w
	cmd.Stderr = os.Stderr
	cmd.Env = os.Environ()
	if _, ok := os.LookupEnv("LESS"); !ok {
		cmd.Env = append(cmd.Env, "LESS=FRX") // as git: quit on one screen, keep colours, leave the text on screen
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "warning: the pager (%s) did not start: %v; set PAGER, or use --no-pager or .pager off\n", pager, err)
		return writeAll(w, b)
	}
	cmd.Wait() // a pager quit before the end (q in less) is no error of the statement's
	return nil
}

func writeAll(w io.Writer, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return writeError{err}
	}
	return nil
}

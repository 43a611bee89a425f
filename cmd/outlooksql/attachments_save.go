package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

const attachmentsUsage = `Usage: outlooksql attachments save --dir DIR [-c STRING | -p NAME | --demo] [--timeout D] "WHERE …"

Save the attachments that match a condition on the attachments table as
files in DIR (created if missing), e.g.

  outlooksql attachments save --dir ./invoices "WHERE message_id IN
    (SELECT id FROM messages WHERE subject LIKE '%invoice%') AND name LIKE '%.pdf'"

The condition is SQL over the attachments table's columns (message_id, id,
kind, name, content_type, size, is_inline, …; user_id for another mailbox);
the word WHERE is optional.

Each file is named after the attachment's name with any directory part and
".." removed (an attachment named ../../x.sh is saved as x.sh; characters
that cannot be in a file name become _). An existing file is never
replaced: the name then gets a number, "report (1).pdf", "report (2).pdf".
An attached message (kind item) is saved as RFC 822 text, its name ending
in .eml. Reference attachments (links) have no bytes and are skipped. Each file
saved, and each attachment skipped, is reported on stdout.

Flags:
  --dir DIR                 where to save the files (required)
  -c, --connection STRING   connection string
  -p, --profile NAME        a named connection from the profiles file
  --demo                    use the embedded demo tenant
  --timeout DURATION        stop if the query runs longer (seconds or 30s, 2m)
`

// runAttachments runs "outlooksql attachments SUBCOMMAND".
func runAttachments(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("attachments needs a subcommand: outlooksql attachments save --dir DIR \"WHERE …\": %w", errUsage)
	}
	switch args[0] {
	case "save":
		return runAttachmentsSave(ctx, args[1:], stdout)
	case "-h", "--help", "help":
		io.WriteString(stdout, attachmentsUsage)
		return nil
	}
	return fmt.Errorf("unknown attachments subcommand %q (there is: save): %w", args[0], errUsage)
}

func runAttachmentsSave(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("attachments save", attachmentsUsage, stdout)
	q := &queryFlags{}
	var dir string
	fs.StringVar(&dir, "dir", "", "where to save the files")
	fs.StringVarP(&q.conn, "connection", "c", "", "connection string")
	fs.StringVarP(&q.profile, "profile", "p", "", "profile name")
	fs.BoolVar(&q.demo, "demo", false, "use the embedded demo tenant")
	fs.Var((*secondsValue)(&q.timeout), "timeout", "the longest the query may run")
	if err := parseFlags(fs, args); err != nil {
		return helpIsNoError(err)
	}
	if dir == "" {
		return fmt.Errorf("attachments save needs --dir DIR, the folder to save the files in: %w", errUsage)
	}
	if q.demo && (q.conn != "" || q.profile != "") {
		return fmt.Errorf("--demo and -c/-p both name a connection: give one of them: %w", errUsage)
	}
	cond := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if len(cond) >= 5 && strings.EqualFold(cond[:5], "where") && (len(cond) == 5 || strings.ContainsRune(" \t\n(", rune(cond[5]))) {
		cond = strings.TrimSpace(cond[5:])
	}
	if cond == "" {
		return fmt.Errorf(`attachments save needs a condition, e.g. "WHERE message_id = '<id>'" or "WHERE message_id IN (SELECT id FROM messages WHERE subject LIKE '%%invoice%%')": %w`, errUsage)
	}
	// The condition is pasted into a SELECT: it must not end that statement
	// and start another (an UPDATE or DELETE would change mail).
	switch stmts, rest := splitStatements("SELECT 1 FROM attachments WHERE " + cond); {
	case len(stmts) > 1 || len(stmts) == 1 && !blank(rest):
		return fmt.Errorf(`attachments save: the condition has a ";" that ends the SELECT: give one condition on the attachments table, not statements: %w`, errUsage)
	case len(stmts) == 1:
		cond = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cond), ";"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("attachments save: create --dir: %w", err)
	}
	db, closeDB, err := q.open()
	if err != nil {
		return q.loginHint(err)
	}
	defer closeDB()
	if q.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, q.timeout)
		defer cancel()
	}
	return saveAttachments(ctx, db, dir, cond, stdout)
}

// saveAttachments saves the attachments matching cond in dir and reports
// each on w.
func saveAttachments(ctx context.Context, db *sql.DB, dir, cond string, w io.Writer) error {
	rows, err := db.QueryContext(ctx, "SELECT message_id, id, kind, name, content FROM attachments WHERE "+cond)
	if err != nil {
		return fmt.Errorf("attachments save: %w", err)
	}
	defer rows.Close()
	var saved, skipped int
	var bytes int64
	for rows.Next() {
		var msg, id, kind, name sql.NullString
		var content []byte
		if err := rows.Scan(&msg, &id, &kind, &name, &content); err != nil {
			return fmt.Errorf("attachments save: %w", err)
		}
		if content == nil {
			why := "it has no bytes"
			if kind.String == "reference" {
				why = "a reference attachment (a link) has no bytes"
			}
			fmt.Fprintf(w, "skipped %q (attachment %s of message %s): %s\n", name.String, id.String, msg.String, why)
			skipped++
			continue
		}
		file := safeFileName(name.String)
		if kind.String == "item" && !strings.HasSuffix(strings.ToLower(file), ".eml") {
			file += ".eml" // an attached message, as RFC 822 text
		}
		path, err := createUnique(dir, file, content)
		if err != nil {
			return fmt.Errorf("attachments save: %s (attachment %s of message %s): %w (%d saved before it)", name.String, id.String, msg.String, err, saved)
		}
		note := ""
		if filepath.Base(path) != name.String {
			note = fmt.Sprintf("; named %q in the mail", name.String)
		}
		fmt.Fprintf(w, "saved %s (%d bytes%s)\n", path, len(content), note)
		saved++
		bytes += int64(len(content))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("attachments save: %w (%d saved before it)", err, saved)
	}
	fmt.Fprintf(w, "%d saved (%d bytes), %d skipped\n", saved, bytes, skipped)
	return nil
}

// safeFileName makes an attachment's name a plain file name: only its
// last path element (after / or \), no ".." or "." of its own, no control
// characters, none of the characters Windows forbids (: * ? " < > |),
// which become _, and at most maxName bytes (the stem is cut, the
// extension kept). An empty result is "attachment".
func safeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return -1
		case strings.ContainsRune(`:*?"<>|`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if strings.Trim(name, ".") == "" {
		return "attachment"
	}
	if len(name) > maxName {
		ext := filepath.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		stem := name[:maxName-len(ext)]
		for !utf8.ValidString(stem) { // do not cut a character in two
			stem = stem[:len(stem)-1]
		}
		name = stem + ext
	}
	return name
}

// maxName leaves room under the usual 255-byte limit of a file name for
// the " (12)" createUnique may add.
const maxName = 200

// createUnique writes data to dir/name, or to "name (1).ext", "name
// (2).ext", … when that exists: it never replaces a file. It returns the
// path written.
func createUnique(dir, name string, data []byte) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" { // ".bashrc": the whole name is the stem
		stem, ext = name, ""
	}
	for i := 0; i < 10000; i++ {
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
		path := filepath.Join(dir, n)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			os.Remove(path)
			return "", err
		}
		if err := f.Close(); err != nil {
			os.Remove(path)
			return "", err
		}
		return path, nil
	}
	return "", fmt.Errorf("%s and 9999 numbered variants exist in %s", name, dir)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/outlooksql/outlooksql/internal/demo"
	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/internal/profile"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

func runTables(w io.Writer) error {
	width := 0
	for _, t := range tables.All {
		width = max(width, len(t.Name))
	}
	for _, t := range tables.All {
		fmt.Fprintf(w, "%-*s  %s\n", width, t.Name, t.Doc)
	}
	return nil
}

func runSchema(args []string, w io.Writer) error {
	list := tables.All
	if len(args) > 0 {
		list = nil
		for _, name := range args {
			t := tables.ByName(name)
			if t == nil {
				return fmt.Errorf("no table %q: the tables are %s", name, tableNames())
			}
			list = append(list, t)
		}
	}
	for i, t := range list {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s;\n", t.Schema())
		width := 0
		for _, c := range t.Columns {
			width = max(width, len(c.Name))
		}
		for _, c := range t.Columns {
			fmt.Fprintf(w, "  %-*s  %-8s %s\n", width, c.Name, c.Type.SQLType(), columnNote(c))
		}
	}
	return nil
}

func tableNames() string {
	var names []string
	for _, t := range tables.All {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}

// columnNote says what a column is and what Graph does with it.
func columnNote(c tables.Column) string {
	var notes []string
	if c.Hidden {
		notes = append(notes, "HIDDEN")
	}
	switch c.Key {
	case "":
	case "search":
		notes = append(notes, "sent as $search")
	default:
		notes = append(notes, "= goes into the request path")
	}
	var ops []string
	for _, o := range []struct {
		op   tables.Ops
		name string
	}{{tables.Eq, "="}, {tables.Ne, "!="}, {tables.Cmp, "< <= > >="}, {tables.StartsWith, "LIKE 'x%'"},
		{tables.Contains, "LIKE '%x%'"}, {tables.EndsWith, "LIKE '%x'"}, {tables.In, "IN"}, {tables.Null, "IS NULL"}} {
		if c.Filter.Has(o.op) {
			ops = append(ops, o.name)
		}
	}
	if len(ops) > 0 {
		notes = append(notes, "filter: "+strings.Join(ops, " "))
	}
	if c.Sort {
		notes = append(notes, "sort")
	}
	if c.Sparse {
		notes = append(notes, "fetched only when selected")
	}
	if w := c.Write; w != nil {
		switch {
		case w.How == tables.Move:
			notes = append(notes, "UPDATE moves the item; INSERT: where")
		case w.When == tables.Always:
			notes = append(notes, "writable")
		case w.When == tables.DraftOnly:
			notes = append(notes, "writable on drafts")
		case w.When == tables.InsertOnly:
			notes = append(notes, "INSERT only")
		}
	}
	if c.Doc != "" {
		notes = append(notes, c.Doc)
	}
	return strings.Join(notes, "; ")
}

// tour is the demo's list of example queries.
var tour = []struct{ title, sql string }{
	{"The 5 latest messages in the inbox (one Graph request)",
		`SELECT received_date_time, from_name, subject FROM messages WHERE folder_id = 'inbox' ORDER BY received_date_time DESC LIMIT 5`},
	{"Unread messages per sender (a report)",
		`SELECT from_address, count(*) AS unread FROM messages WHERE is_read = 0 GROUP BY from_address ORDER BY unread DESC, from_address LIMIT 5`},
	{"The folder tree",
		`SELECT path, total_item_count, unread_item_count FROM mail_folders ORDER BY path LIMIT 12`},
	{"Users and their flagged mail (a join of users and messages)",
		`SELECT u.display_name, count(m.id) AS flagged FROM users u JOIN messages m ON m.user_id = u.id AND m.flag_status = 'flagged' GROUP BY u.id ORDER BY flagged DESC, u.display_name`},
	{"Attachments of the latest message that has some",
		`SELECT a.kind, a.name, a.size FROM attachments a WHERE a.message_id = (SELECT id FROM messages WHERE has_attachments = 1 ORDER BY received_date_time DESC LIMIT 1)`},
}

func runDemo(ctx context.Context, args []string, w io.Writer) error {
	fs := newFlagSet("demo", commandUsage("demo"), w)
	serve := fs.Bool("serve", false, "serve the demo tenant until stopped")
	if err := parseFlags(fs, args); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo takes no arguments (got %q): %w", fs.Arg(0), errUsage)
	}
	env, err := demo.Start(fakegraph.Demo())
	if err != nil {
		return err
	}
	defer env.Close()
	if *serve {
		return serveDemo(ctx, env, w)
	}
	db, err := openDB(demoChoice(env))
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Fprintf(w, "outlooksql demo: a fake Microsoft Graph tenant on %s, signed in as %s.\n", env.Server.URL, env.User)
	fmt.Fprintf(w, "Try your own queries with: outlooksql query --demo \"SELECT …\"\n")
	for i, step := range tour {
		fmt.Fprintf(w, "\n== %d. %s\n%s\n\n", i+1, step.title, step.sql)
		if err := execute(ctx, conn, step.sql, printOpts{format: "table", explain: true}, w, w); err != nil {
			return fmt.Errorf("demo query %d: %w", i+1, err)
		}
	}
	return nil
}

// serveDemo is "outlooksql demo --serve": it prints a connection string for
// the running demo tenant, for the loadable extension or any other client,
// and serves until ctx ends (Ctrl-C) or SIGTERM; both are a normal stop.
func serveDemo(ctx context.Context, env *demo.Env, w io.Writer) error {
	endsItself.Store(true) // SIGTERM stops the server: exit 0, as Ctrl-C does
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(w, "outlooksql demo: a fake Microsoft Graph tenant on %s, signed in as %s.\n", env.Server.URL, env.User)
	fmt.Fprintf(w, "In another terminal, run:\n\n")
	fmt.Fprintf(w, "export %s=%s\n", profile.EnvConnection, shellQuote(env.ConnString()))
	fmt.Fprintf(w, "\nthen query with \"outlooksql query\" or \"outlooksql shell\", or load the extension in sqlite3:\n")
	fmt.Fprintf(w, "  .load ./outlooksql\n  SELECT outlooksql_configure();\n  SELECT subject FROM messages LIMIT 5;\n")
	fmt.Fprintf(w, "\nServing until Ctrl-C.\n")
	<-ctx.Done()
	fmt.Fprintf(w, "outlooksql demo: stopped.\n")
	return nil
}

// shellQuote quotes s for a POSIX shell: in single quotes, each single quote
// inside written as a closing quote, an escaped quote and an opening quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// runProfiles is "outlooksql profiles": the profiles file's path and the
// names in it (never their values, which may hold secrets).
func runProfiles(args []string, w io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("profiles takes no arguments: %w", errUsage)
	}
	path, err := profile.Path(os.LookupEnv)
	if err != nil {
		return err
	}
	f, err := profile.Load(path)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(w, "No profiles file at %s. Create it like this:\n\n%s", path, profileExample)
		return nil
	}
	if f == nil {
		return err
	}
	fmt.Fprintf(w, "Profiles in %s:\n", path)
	home, _ := os.UserHomeDir()
	for _, p := range f.Profiles {
		note := ""
		if p.Err == nil {
			// Such as an unset ${env:NAME}: the error names it, never a value.
			if _, err := p.ConnString(os.LookupEnv, home); err != nil {
				note = "   (cannot be used: " + err.Error() + ")"
			}
		}
		switch {
		case note != "":
		case p.Err != nil: // the others stay usable
			note = "   (cannot be used: " + p.Err.Error() + ")"
		case p.Name == profile.Default:
			note = "   (used when no -c, -p or $" + profile.EnvConnection + " is given)"
		}
		fmt.Fprintf(w, "  %s%s\n", p.Name, note)
	}
	return nil
}

const profileExample = `[work]
Tenant   = contoso.onmicrosoft.com
ClientId = <id>

[archive]
AuthType     = ApplicationCredentials
UserId       = archive@contoso.com
Tenant       = contoso.onmicrosoft.com
ClientId     = <id>
ClientSecret = ${env:ARCHIVE_SECRET}
`

// Command outlooksql-ext is the SQLite loadable extension of outlooksql. It
// is not run as a program; build it with
//
//	go build -tags outlooksql_ext -buildmode=c-shared -o outlooksql.so ./cmd/outlooksql-ext
//
// and load it into any SQLite 3.30.0 or later, e.g. in the sqlite3 shell:
//
//	.load ./outlooksql
//	SELECT outlooksql_configure();
//	SELECT subject FROM messages LIMIT 5;
//
// SQLite then calls sqlite3_outlooksql_init, which registers the tables
// messages, mail_folders, users and attachments and the function
// outlooksql_configure on that connection. Loading configures nothing:
// the connection has no Graph access until the user's SQL calls
//
//	outlooksql_configure()             -- $OUTLOOKSQL_CONNECTION, else the profile "default"
//	outlooksql_configure('work')       -- the profile work (no "=" in the argument)
//	outlooksql_configure('BaseUrl=…')  -- a connection string
//
// The first two keep secrets out of the SQL text and out of the result
// column's name (the expression, which shells print as a header); the
// profiles file is the CLI's (see internal/profile). The function is
// SQLITE_DIRECTONLY: a view or trigger stored in a database file cannot
// call it, so opening someone else's .db cannot redirect the extension.
//
// Tables can also be stored in a database file, bound to a profile:
//
//	CREATE VIRTUAL TABLE work_mail USING messages(profile=work)
//
// The file keeps only that statement; each connection that loads the
// extension and uses work_mail reads the profile work. profile=NAME is the
// only module argument accepted.
//
// The extension also adds regexp (Go syntax) and SQLite's math functions
// to a host that lacks them.
package main

import (
	"github.com/outlooksql/outlooksql/vtab/outlook"
)

func init() {
	if err := outlook.Register(); err != nil {
		panic(err)
	}
}

func main() {}

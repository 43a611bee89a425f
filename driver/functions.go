package driver

import (
	"database/sql"

	"github.com/outlooksql/outlooksql/vtab/outlook"
)

// Every connection of the driver has SQLite's math functions (ceil, floor,
// trunc, ln, log, log10, log2, exp, pow, power, mod, sqrt, the
// trigonometric and hyperbolic functions, degrees, radians, pi; exactly as
// a SQLite built with SQLITE_ENABLE_MATH_FUNCTIONS) and regexp, so that
// X REGEXP 'pattern' works with Go regexp syntax. Both are pure, so views
// may use them.

// EnableFileFunctions adds readfile(PATH) and writefile(PATH, DATA), as in
// the sqlite3 shell, to conn, a connection of this driver. Connections do
// not have them unless a program asks: they read and write the files of
// whoever runs it. Like every function with side effects they are
// SQLITE_DIRECTONLY: a view or trigger stored in a database file gets
// "unsafe use of writefile()".
func EnableFileFunctions(conn *sql.Conn) error {
	var err error
	if werr := withConn(conn, func(oc *outlook.Conn) { err = oc.EnableFileFunctions() }); werr != nil {
		return werr
	}
	return err
}

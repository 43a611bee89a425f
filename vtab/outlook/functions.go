package outlook

import "github.com/outlooksql/outlooksql/vtab/funcs"

// EnableFileFunctions adds readfile(PATH) and writefile(PATH, DATA) (package
// funcs) to the connection: for a shell, whose user means to touch files.
// They are SQLITE_DIRECTONLY: a view or trigger stored in a database file
// cannot call them.
func (c *Conn) EnableFileFunctions() error { return funcs.EnableFiles(c.vc) }

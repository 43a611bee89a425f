//go:build !outlooksql_ext

package vtab

/*
#include "glue.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Complete reports whether sql ends with a complete SQL statement, as
// SQLite's sqlite3_complete decides: the last ";" is outside quotes and
// comments, and not inside a CREATE TRIGGER's BEGIN … END. Text after a NUL
// byte is ignored, as SQLite would.
func Complete(sql string) bool {
	if i := strings.IndexByte(sql, 0); i >= 0 {
		sql = sql[:i]
	}
	cs := C.CString(sql)
	defer C.free(unsafe.Pointer(cs))
	return C.osq_complete(cs) != 0
}

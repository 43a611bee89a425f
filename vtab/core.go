//go:build !outlooksql_ext

package vtab

// The default build links this package into a Go program together with
// github.com/mattn/go-sqlite3: SQLITE_CORE makes the C glue call mattn's
// bundled SQLite directly, so the process has one SQLite, and an automatic
// extension registers the modules on every connection it opens.

/*
#cgo CFLAGS: -DSQLITE_CORE
#include "glue.h"
int osq_install(void);
*/
import "C"

import (
	"fmt"

	_ "github.com/mattn/go-sqlite3" // provides the SQLite symbols the glue calls
)

func installHook() error {
	if rc := C.osq_install(); rc != C.SQLITE_OK {
		return fmt.Errorf("sqlite3_auto_extension failed with code %d", int(rc))
	}
	return nil
}

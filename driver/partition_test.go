package driver_test

import (
	"github.com/outlooksql/outlooksql/driver"
)

// partitioned reports whether the last statement on e's connection ran a
// partitioned scan.
func partitioned(e *env) bool {
	scans, _ := driver.Scans(e.conn)
	for _, s := range scans {
		if len(s.Partitions) > 0 {
			return true
		}
	}
	return false
}

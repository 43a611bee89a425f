//go:build !unix

package main

import (
	"os"
	"syscall"
)

// reraise ends the process with 128 + sig's number, as shells report a
// process ended by a signal.
func reraise(sig os.Signal) {
	code := 128 + int(syscall.SIGTERM)
	if s, ok := sig.(syscall.Signal); ok {
		code = 128 + int(s)
	}
	os.Exit(code)
}

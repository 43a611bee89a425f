//go:build unix

package main

import (
	"os"
	"syscall"
	"time"
)

// reraise sends sig to this process again, its handler reset, so that
// the process ends by it; exit 128+sig if it somehow does not.
func reraise(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok {
		os.Exit(128 + int(syscall.SIGTERM))
	}
	syscall.Kill(os.Getpid(), s)
	time.Sleep(time.Second)
	os.Exit(128 + int(s))
}

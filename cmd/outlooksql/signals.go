package main

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/outlooksql/outlooksql/internal/demo"
)

// removeDemoOnSignal makes SIGTERM and SIGHUP remove the temporary token
// directories of the demo tenants the command started (--demo, demo,
// sync --demo), which the deferred closes would have removed, and then end
// the process by the same signal, as if it had not been caught (a shell
// reports 128 + its number: 143, 129).
func removeDemoOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig := <-ch
		demo.RemoveTemp()
		if endsItself.Load() {
			return // the command stops on the signal and exits as it means to
		}
		signal.Reset(syscall.SIGTERM, syscall.SIGHUP)
		reraise(sig)
	}()
}

// endsItself is set by a command that stops cleanly on SIGTERM itself
// (demo --serve): the handler then only removes the directories.
var endsItself atomic.Bool

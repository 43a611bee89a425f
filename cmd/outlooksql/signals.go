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
// sync --demo), which the deferred closes would have removed, and end the
// process with 128 + the signal's number, as shells report it.
func removeDemoOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig := <-ch
		demo.RemoveTemp()
		if endsItself.Load() {
			return // the command stops on the signal and exits as it means to
		}
		code := 128 + int(syscall.SIGTERM)
		if s, ok := sig.(syscall.Signal); ok {
			code = 128 + int(s)
		}
		os.Exit(code)
	}()
}

// endsItself is set by a command that stops cleanly on SIGTERM itself
// (demo --serve): the handler then only removes the directories.
var endsItself atomic.Bool

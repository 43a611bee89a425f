package main

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

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
		terminating.Store(true)
		demo.RemoveTemp()
		if endsItself.Load() {
			return // the command stops on the signal and exits as it means to
		}
		signal.Reset(syscall.SIGTERM, syscall.SIGHUP)
		reraise(sig)
	}()
}

// terminating is set when SIGTERM or SIGHUP arrived: the command may then
// fail (its demo's token directory is gone) before the handler ends the
// process by the signal.
var terminating atomic.Bool

// awaitSignalEnd waits for the signal handler to end the process, when a
// signal arrived and the command does not stop on it itself: a command
// failing because of the signal must not exit first with its own error.
func awaitSignalEnd() {
	if terminating.Load() && !endsItself.Load() {
		time.Sleep(5 * time.Second) // reraise ends the process well before
	}
}

// endsItself is set by a command that stops cleanly on SIGTERM itself
// (demo --serve): the handler then only removes the directories.
var endsItself atomic.Bool

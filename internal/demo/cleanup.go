package demo

import (
	"os"
	"sync"
)

// live holds the environments started and not yet closed, so that a
// process ended by a signal can still remove their temporary token
// directories (CloseAll).
var live struct {
	sync.Mutex
	envs map[*Env]bool
}

func track(e *Env) {
	live.Lock()
	defer live.Unlock()
	if live.envs == nil {
		live.envs = map[*Env]bool{}
	}
	live.envs[e] = true
}

func untrack(e *Env) {
	live.Lock()
	defer live.Unlock()
	delete(live.envs, e)
}

// RemoveTemp removes the temporary token directory of every environment
// Start returned and Close has not closed. A command calls it when a
// signal (SIGTERM, SIGHUP) ends it, where deferred Close calls do not run;
// the servers are left to stop with the process (closing one waits for
// its requests to end).
func RemoveTemp() {
	live.Lock()
	defer live.Unlock()
	for e := range live.envs {
		os.RemoveAll(e.dir)
	}
}

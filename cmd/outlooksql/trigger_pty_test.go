//go:build linux || darwin

package main

import (
	"strings"
	"testing"
	"time"
)

// TestShellPTYTrigger: a CREATE TRIGGER typed line by line at the prompt
// keeps asking for more after the ";"s of its body, and runs as one
// statement at END;.
func TestShellPTYTrigger(t *testing.T) {
	sh := startPTYShell(t, []string{"XDG_STATE_HOME=" + t.TempDir()}, "--demo", "-f", "csv")
	const wait = 10 * time.Second
	sh.expect("outlooksql> ", wait)
	sh.send("CREATE TEMP TABLE t(x); CREATE TEMP TABLE log(y);\r")
	sh.expect("outlooksql> ", wait)
	for _, line := range []string{
		"CREATE TEMP TRIGGER tr AFTER INSERT ON t",
		"BEGIN",
		"  INSERT INTO log VALUES (new.x * 2);",
		"  INSERT INTO log VALUES (new.x * 3);",
	} {
		sh.send(line + "\r")
		sh.expect("...> ", wait)
	}
	sh.send("END;\r")
	if got := sh.expect("outlooksql> ", wait); strings.Contains(got, "error") {
		t.Fatalf("the trigger failed:\n%s", got)
	}
	sh.send("INSERT INTO t VALUES (5); SELECT y FROM log ORDER BY y;\r")
	if got := sh.expect("outlooksql> ", wait); !strings.Contains(got, "y\n10\n15\n") || strings.Contains(got, "error") {
		t.Fatalf("want rows 10 and 15:\n%s", got)
	}
	sh.send(".quit\r")
	<-sh.done
	sh.cmd.Wait()
}

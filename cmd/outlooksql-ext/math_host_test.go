package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostCases call each math function, with NULL, text and out-of-domain
// arguments, and regexp.
var hostCases = []string{
	"ceil(1.2)", "ceil('2.5')", "ceil(7)", "ceiling(-1.5)", "floor(-1.5)", "trunc(-2.7)", "ceil('x')",
	"ln(2)", "ln(0)", "log(100)", "log10(1000)", "log2(8)", "log(2,8)", "log(1,8)", "log(2,-1)", "log(NULL)",
	"exp(1)", "pow(2,10)", "power(2,0.5)", "pow(-8,1.0/3)", "mod(7,3)", "mod(7,0)", "mod(-7.5,2)",
	"acos(2)", "acos(0.5)", "asin(1)", "atan(1)", "atan2(1,-1)", "cos(pi())", "sin(1)", "tan(0.5)",
	"cosh(1)", "sinh(1)", "tanh(1)", "acosh(2)", "asinh(1)", "atanh(0.5)", "atanh(1)",
	"sqrt(2)", "sqrt(-1)", "sqrt(NULL)", "radians(180)", "degrees(1)", "pi()",
	"'HELLO' REGEXP '(?i)^hel+o$'", "'abc' REGEXP 'x'", "NULL REGEXP 'a'",
}

// hostSQL gives each case's type and quote(e), one row per case: the host
// and mattn build the same SQLite, so equal values give equal text.
func hostSQL() string {
	var parts []string
	for i, c := range hostCases {
		parts = append(parts, fmt.Sprintf("SELECT %d AS i, typeof(e) || ':' || quote(e) AS v FROM (SELECT %s AS e)", i, c))
	}
	return "SELECT v FROM (" + strings.Join(parts, " UNION ALL ") + ") ORDER BY i"
}

const hostC = `#include <stdio.h>
#include "sqlite3-binding.h"
static int row(void *u, int n, char **v, char **c) {
	(void)u; (void)c;
	for (int i = 0; i < n; i++) printf("%s%s", i ? "|" : "", v[i] ? v[i] : "");
	printf("\n");
	return 0;
}
int main(int argc, char **argv) {
	sqlite3 *db; char *err = 0;
	if (sqlite3_open(":memory:", &db)) return 2;
	sqlite3_enable_load_extension(db, 1);
	for (int i = 1; i < argc; i++)
		if (sqlite3_exec(db, argv[i], row, 0, &err)) { fprintf(stderr, "%s\n", err); return 1; }
	return 0;
}
`

// TestMathInHostWithout loads the extension into a C program whose SQLite
// (mattn's bundled 3.54.1 amalgamation, compiled without
// SQLITE_ENABLE_MATH_FUNCTIONS) has neither the math functions nor
// regexp: the extension adds them, and each result, type and value, is the
// one the driver's connection gives.
func TestMathInHostWithout(t *testing.T) {
	_, so := extension(t)
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build a SQLite host")
	}
	amalg, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/mattn/go-sqlite3").Output()
	if err != nil {
		t.Fatal(err)
	}
	src := strings.TrimSpace(string(amalg))
	dir := t.TempDir()
	host := filepath.Join(dir, "host")
	if err := os.WriteFile(filepath.Join(dir, "host.c"), []byte(hostC), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-O0", "-I"+src, "-o", host, filepath.Join(dir, "host.c"),
		filepath.Join(src, "sqlite3-binding.c"), "-ldl", "-lpthread", "-lm").CombinedOutput(); err != nil {
		t.Fatalf("build the host: %v\n%s", err, out)
	}
	run := func(sql ...string) (string, string) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(host, sql...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		return stdout.String(), stderr.String()
	}
	if _, stderr := run("SELECT pi()"); stderr != "no such function: pi\n" {
		t.Fatalf("the host must lack the math functions; SELECT pi(): %q", stderr)
	}
	got, stderr := run("SELECT load_extension('"+so+"') IS NULL", hostSQL())
	if stderr != "" {
		t.Fatalf("host: %s", stderr)
	}

	db, err := sql.Open("sqlite3", ":memory:") // mattn, with the package's functions
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(hostSQL())
	if err != nil {
		t.Fatal(err)
	}
	want := "1\n"
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		want += v + "\n"
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("host with the extension:\n%s\nthe driver's connection:\n%s", got, want)
	}
}

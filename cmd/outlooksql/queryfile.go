package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
)

// queryFileFlags are query's and explain's flags for scripts and files.
type queryFileFlags struct {
	file     string // --file: the SQL script to run, several statements
	output   string // -o, --output: write the rows to this file
	noHeader bool   // --no-header: no column names (csv, list, column, insert)
}

func (f *queryFileFlags) define(fs *pflag.FlagSet) {
	fs.StringVar(&f.file, "file", "", "run the SQL statements of this file")
	fs.StringVarP(&f.output, "output", "o", "", "write the rows to this file instead of stdout")
	fs.BoolVar(&f.noHeader, "no-header", false, "leave out the column names")
}

// openOutput returns where the rows go: the -o file (created or
// truncated), else stdout. done closes the file and reports its error.
func (f *queryFileFlags) openOutput(stdout io.Writer) (w io.Writer, done func() error, err error) {
	if f.output == "" {
		return stdout, func() error { return nil }, nil
	}
	file, err := os.Create(f.output)
	if err != nil {
		return nil, nil, fmt.Errorf("-o: %w", err)
	}
	return file, func() error {
		if err := file.Close(); err != nil {
			return fmt.Errorf("-o %s: %w", f.output, err)
		}
		return nil
	}, nil
}

// runScript runs query --file: the file's statements (and dot-commands) in
// order, as the shell runs a script, but stopping at the first error; an
// error names its line in the file.
func runScript(ctx context.Context, q *queryFlags, explain bool, stdout, stderr io.Writer) error {
	in, err := os.Open(q.query.file)
	if err != nil {
		return fmt.Errorf("--file: %w", err)
	}
	defer in.Close()
	if q.query.output != "" {
		// Creating -o truncates it: it must not be the script itself.
		si, err1 := in.Stat()
		oi, err2 := os.Stat(q.query.output)
		if err1 == nil && err2 == nil && os.SameFile(si, oi) {
			return fmt.Errorf("-o %s is the script --file %s: writing the rows there would erase it; give another output file", q.query.output, q.query.file)
		}
	}
	out, done, err := q.query.openOutput(stdout)
	if err != nil {
		return err
	}
	db, closeDB, err := q.open()
	if err != nil {
		done()
		return q.loginHint(err)
	}
	defer closeDB()
	conn, err := db.Conn(ctx)
	if err != nil {
		done()
		return q.loginHint(err)
	}
	defer conn.Close()
	if err := attachLive(ctx, conn); err != nil {
		done()
		return err
	}
	sh := &shell{conn: conn, out: out, errw: stderr, format: q.format, timeout: q.timeout, explain: explain}
	sh.dot.stdout, sh.dot.bail, sh.dot.noHeader = out, true, q.query.noHeader
	sh.script = true
	defer sh.closeOnce()
	defer sh.closeOutput()
	err = sh.loop(ctx, &plainReader{r: bufio.NewReader(in), errw: stderr})
	if derr := done(); err == nil {
		err = derr
	}
	return q.loginHint(err)
}

// Package funcs holds the SQL functions outlooksql adds to SQLite beyond
// the Graph tables: regexp (so that X REGEXP Y works) for every connection,
// and readfile/writefile for the programs that enable them on a connection
// (the outlooksql shell). SQLite's math functions come from package vtab
// itself (mathfunc.c).
package funcs

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/outlooksql/outlooksql/internal/lru"
	"github.com/outlooksql/outlooksql/vtab"
)

// Regexp is the name of the regexp function: regexp(PATTERN, TEXT), which
// SQLite calls for TEXT REGEXP PATTERN. PATTERN is Go regexp syntax
// (https://pkg.go.dev/regexp/syntax, RE2: no backreferences or
// lookaround), matched anywhere in TEXT unless anchored with ^ or $;
// (?i) makes it case-insensitive. The result is 1 or 0, NULL when either
// argument is NULL; a malformed pattern is an error.
const Regexp = "regexp"

// ReadFile and WriteFile name the file functions, as in the sqlite3 shell:
// readfile(PATH) returns the file's bytes as a BLOB (NULL if it cannot be
// read); writefile(PATH, DATA) writes DATA (a BLOB, or TEXT as UTF-8) to
// PATH, creating missing parent directories, replacing a file that exists,
// and returns the number of bytes written.
const (
	ReadFile  = "readfile"
	WriteFile = "writefile"
)

var (
	regOnce sync.Once
	regErr  error

	fileOnce sync.Once
	fileErr  error
)

// RegisterRegexp adds regexp to every SQLite connection opened afterwards
// (package vtab's connections: the driver's and the extension's). It is a
// pure function (DETERMINISTIC, INNOCUOUS): views may use it. A SQLite host
// that has its own regexp keeps it (the sqlite3 shell does). Idempotent.
func RegisterRegexp() error {
	regOnce.Do(func() { regErr = vtab.RegisterPureFunction(Regexp, 2, regexpFunc) })
	return regErr
}

// RegisterFiles declares readfile and writefile; they are on no connection
// until EnableFiles adds them to one. They are SQLITE_DIRECTONLY: the
// user's statements may call them, a view or trigger stored in a database
// file cannot. Idempotent.
func RegisterFiles() error {
	fileOnce.Do(func() {
		if fileErr = vtab.RegisterOptionalFunction(ReadFile, 1, readFile); fileErr != nil {
			return
		}
		fileErr = vtab.RegisterOptionalFunction(WriteFile, 2, writeFile)
	})
	return fileErr
}

// EnableFiles adds readfile and writefile to the connection.
func EnableFiles(c *vtab.Conn) error {
	if err := RegisterFiles(); err != nil {
		return err
	}
	for _, name := range []string{ReadFile, WriteFile} {
		if err := c.EnableFunction(name); err != nil {
			return err
		}
	}
	return nil
}

// patterns caches compiled patterns: a REGEXP runs once per row.
var patterns = struct {
	sync.Mutex
	c *lru.Cache[string, *regexp.Regexp]
}{c: lru.New[string, *regexp.Regexp](64)}

func compile(p string) (*regexp.Regexp, error) {
	patterns.Lock()
	re, ok := patterns.c.Get(p)
	patterns.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	patterns.Lock()
	patterns.c.Add(p, re)
	patterns.Unlock()
	return re, nil
}

func regexpFunc(args []any) (any, error) {
	if args[0] == nil || args[1] == nil {
		return nil, nil
	}
	re, err := compile(text(args[0]))
	if err != nil {
		return nil, fmt.Errorf("REGEXP: the pattern is Go regexp syntax (https://pkg.go.dev/regexp/syntax): %w", err)
	}
	if b, ok := args[1].([]byte); ok {
		return re.Match(b), nil
	}
	return re.MatchString(text(args[1])), nil
}

// text is a value as SQLite shows it as TEXT.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return realText(v)
	}
	return fmt.Sprint(v)
}

// realText formats a REAL as SQLite does (CAST(x AS TEXT)): 15
// significant digits, or 17 when 15 do not read back as the same number
// (subnormal numbers may differ in their last digits); plain notation
// unless the exponent is below -4 or above 16; always a decimal point
// (1.0, 1.0e+20).
func realText(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	prec := 15
	s := strconv.FormatFloat(f, 'e', prec-1, 64)
	if v, err := strconv.ParseFloat(s, 64); err != nil || v != f {
		prec = 17
		s = strconv.FormatFloat(f, 'e', prec-1, 64)
	}
	mant, expText, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expText)
	sign := ""
	if strings.HasPrefix(mant, "-") {
		sign, mant = "-", mant[1:]
	}
	digits := strings.TrimRight(strings.Replace(mant, ".", "", 1), "0")
	if digits == "" {
		digits = "0"
	}
	switch {
	case exp < -4 || exp > 16:
		frac := digits[1:]
		if frac == "" {
			frac = "0"
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		return fmt.Sprintf("%s%s.%se%s%02d", sign, digits[:1], frac, es, exp)
	case exp >= 0 && len(digits) <= exp+1:
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	case exp >= 0:
		return sign + digits[:exp+1] + "." + digits[exp+1:]
	}
	return sign + "0." + strings.Repeat("0", -exp-1) + digits
}

func readFile(_ *vtab.Conn, args []any) (any, error) {
	if args[0] == nil {
		return nil, nil
	}
	b, err := os.ReadFile(text(args[0]))
	if err != nil {
		return nil, nil // as the sqlite3 shell: NULL for a file it cannot read
	}
	return b, nil
}

func writeFile(_ *vtab.Conn, args []any) (any, error) {
	if args[0] == nil {
		return nil, fmt.Errorf("%s: the path is NULL", WriteFile)
	}
	path := text(args[0])
	var data []byte
	if args[1] != nil {
		if b, ok := args[1].([]byte); ok {
			data = b
		} else {
			data = []byte(text(args[1]))
		}
	}
	err := os.WriteFile(path, data, 0o644)
	if err != nil && os.IsNotExist(err) {
		if merr := os.MkdirAll(filepath.Dir(path), 0o755); merr == nil {
			err = os.WriteFile(path, data, 0o644)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: failed to write file: %w", WriteFile, err)
	}
	return int64(len(data)), nil
}

package outlook

import (
	"fmt"
	"os"
	"strings"

	"github.com/outlooksql/outlooksql/internal/profile"
	"github.com/outlooksql/outlooksql/vtab"
)

// ProfileArgument is the one module argument a table created with
// CREATE VIRTUAL TABLE takes:
//
//	CREATE VIRTUAL TABLE work_mail USING messages(profile=work)
//
// The database file's schema then holds that statement: a profile name,
// never a connection string or a secret. Whenever a connection that has
// the tables (the driver, or a host that loaded the extension) uses
// work_mail, it reads the profile work from the profiles file
// ($OUTLOOKSQL_CONFIG, else profiles.ini in the outlooksql folder of the
// user's configuration directory) and reaches Graph with it, whatever
// outlooksql_configure set. Without arguments the table is the
// connection's, like the table under the module's own name.
const ProfileArgument = "profile"

// ConnectCreated connects a table made by CREATE VIRTUAL TABLE (also when
// SQLite reads it back from a database file's schema).
func (m *module) ConnectCreated(vc *vtab.Conn, ct vtab.Created) (vtab.Table, error) {
	name, err := profileArg(m.t.Name, ct)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return m.Connect(vc)
	}
	choice, err := profile.Resolve("", name, os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ct.Name, err)
	}
	src, err := OpenString(choice.ConnString)
	if err != nil {
		return nil, fmt.Errorf("%s: connection string of %s: %w", ct.Name, choice.From, err)
	}
	// The table's own state, with the profile's Source: its scans join
	// the statement a driver steps (Table.Open receives it), and its
	// writes are sent with the profile's sign-in, never the connection's.
	c := &Conn{vc: vc, src: src}
	t := &table{t: m.t, conn: c}
	if m.t.Writes != nil {
		t.directOnly = !src.Config.ReadOnly
	}
	return t, nil
}

// profileArg returns the profile a created table names ("" for none), or
// an error that says what the table accepts. The error never repeats an
// argument's value: a user who typed a secret there sees it refused, not
// printed.
func profileArg(module string, ct vtab.Created) (string, error) {
	usage := fmt.Sprintf("CREATE VIRTUAL TABLE %s USING %s(%s=NAME): NAME is a profile of the profiles file ('outlooksql profiles' lists them); connection settings and secrets stay in the profile, so that the database file holds none",
		ct.Name, module, ProfileArgument)
	var args []string
	for _, a := range ct.Args {
		if a = strings.TrimSpace(a); a != "" {
			args = append(args, a)
		}
	}
	switch {
	case len(args) == 0:
		return "", nil
	case len(args) > 1:
		return "", fmt.Errorf("%s: %d module arguments; the only one accepted is %s=NAME: %s", ct.Name, len(args), ProfileArgument, usage)
	}
	key, val, ok := strings.Cut(args[0], "=")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(key, ProfileArgument) {
		what := "the module argument is not " + ProfileArgument + "=NAME"
		if ok && simpleKey(key) {
			what = fmt.Sprintf("module argument %q is not accepted", key)
		}
		return "", fmt.Errorf("%s: %s: %s", ct.Name, what, usage)
	}
	val = unquote(strings.TrimSpace(val))
	if !profileName(val) {
		return "", fmt.Errorf("%s: %s= needs a profile name (letters, digits, '-', '_', '.'): %s", ct.Name, ProfileArgument, usage)
	}
	return val, nil
}

// unquote removes one pair of SQL quotes ('…' or "…").
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		q := string(s[0])
		return strings.ReplaceAll(s[1:len(s)-1], q+q, q)
	}
	return s
}

// simpleKey reports whether k looks like a key name, safe to show.
func simpleKey(k string) bool {
	if k == "" || len(k) > 40 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// profileName is the profiles file's rule for a section name.
func profileName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// Package profile reads named connections from the user's profiles file, so
// that "outlooksql query -p work …" needs no long connection string.
//
// The file is a small INI file, $XDG_CONFIG_HOME/outlooksql/profiles.ini on
// Linux (os.UserConfigDir elsewhere; $OUTLOOKSQL_CONFIG names another file):
//
//	# A whole connection string on one line …
//	[work]
//	connection = TokenUrl=https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token;ClientId=6731de76-…;ClientSecret=${env:WORK_SECRET};RefreshTokenFilePath=~/.config/outlooksql/work.json
//
//	# … or one connection-string key per line.
//	[archive]
//	AuthType     = ApplicationCredentials
//	UserId       = archive@contoso.com
//	TokenUrl     = https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token
//	ClientId     = 6731de76-…
//	ClientSecret = ${env:ARCHIVE_SECRET}
//
// Lines starting with "#" or ";" are comments; there are no end-of-line
// comments, since values may contain both. "${env:NAME}" in a value is
// replaced by the environment variable NAME (an error names it when it is
// unset or empty; its value is never shown). A RefreshTokenFilePath that
// starts with "~/" is under the home directory. The profile named "default"
// is used when nothing else names a connection.
package profile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outlooksql/outlooksql/internal/config"
)

// EnvConfig names the environment variable that overrides the profiles
// file's path.
const EnvConfig = "OUTLOOKSQL_CONFIG"

// EnvConnection names the environment variable that holds a connection
// string.
const EnvConnection = "OUTLOOKSQL_CONNECTION"

// Default is the profile used when no connection is named.
const Default = "default"

// File is a parsed profiles file.
type File struct {
	Path     string
	Profiles []*Profile // in file order
}

// Profile is one [name] section.
type Profile struct {
	Name string
	Path string // the file it is in
	Line int    // the line of its [name] header
	// Entries are its key = value lines, in file order.
	Entries []Entry
	// Err is the first problem found in its section (a bad header, a
	// line that is not key = value, an unknown or repeated key, a name
	// defined twice); using the profile is then an error that names it.
	// Other profiles of the file stay usable.
	Err error
}

// Entry is one key = value line of a profile.
type Entry struct {
	Key   string // "connection", or a connection-string key in its canonical spelling
	Value string // as written, before ${env:…} and ~ expansion
	Line  int
}

// Path returns the profiles file's path: $OUTLOOKSQL_CONFIG when lookup
// finds it set, else profiles.ini in the outlooksql folder of
// os.UserConfigDir.
func Path(lookup func(string) (string, bool)) (string, error) {
	if p, ok := lookup(EnvConfig); ok && p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the profiles file: %w (set %s to its path)", err, EnvConfig)
	}
	return filepath.Join(dir, "outlooksql", "profiles.ini"), nil
}

// Load reads and parses the profiles file at path. A file that does not
// exist is an error that wraps fs.ErrNotExist. A file with malformed
// profiles is returned together with Parse's error.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	return Parse(path, data)
}

// Parse parses the text of a profiles file; path is used in errors. The
// error joins every problem found. A problem inside a profile's section
// marks that profile (Profile.Err) and the returned File is still usable
// for the others; a problem outside any section (a key = value before the
// first [name]) returns a nil File.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path}
	var cur *Profile
	var problems []error
	outside := false
	text := strings.TrimPrefix(string(data), "\ufeff")
	for i, raw := range strings.Split(text, "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		at := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", path, n, fmt.Sprintf(format, args...))
		}
		bad := func(p *Profile, err error) {
			problems = append(problems, err)
			if p.Err == nil {
				p.Err = err
			}
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			name := strings.TrimSpace(strings.TrimSuffix(line[1:], "]"))
			first := f.find(name)
			cur = &Profile{Name: name, Path: path, Line: n}
			f.Profiles = append(f.Profiles, cur)
			switch {
			case !strings.HasSuffix(line, "]"):
				bad(cur, at("a section header ends with \"]\": write [name]"))
			case !validName(name):
				bad(cur, at("profile name %q: use letters, digits, \"-\", \"_\" and \".\"", name))
			case first != nil:
				err := at("profile %s is defined twice (first on line %d)", name, first.Line)
				bad(cur, err)
				if first.Err == nil {
					first.Err = err
				}
			}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if cur == nil {
			problems = append(problems, at("key = value before the first [name]: put it under a profile's [name]"))
			outside = true
			continue
		}
		if !ok {
			bad(cur, at("expected [name] or key = value"))
			continue
		}
		key, ok := canonicalKey(strings.TrimSpace(k))
		if !ok {
			raw := strings.TrimSpace(k)
			if near := config.Nearest(raw); near != "" {
				bad(cur, at("profile %s: unknown key %q (did you mean %s?)", cur.Name, clip(raw), near))
			} else {
				bad(cur, at("profile %s: unknown key %q: write connection = <connection string>, or one of the connection string's keys (%s)", cur.Name, clip(raw), keyNames()))
			}
			continue
		}
		twice := false
		for _, e := range cur.Entries {
			if e.Key == key {
				bad(cur, at("profile %s: %s is given twice (first on line %d)", cur.Name, key, e.Line))
				twice = true
				break
			}
		}
		if !twice {
			cur.Entries = append(cur.Entries, Entry{Key: key, Value: strings.TrimSpace(v), Line: n})
		}
	}
	if outside {
		return nil, errors.Join(problems...)
	}
	return f, errors.Join(problems...)
}

// clip shortens a name echoed from the file for a message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// Names returns the profiles' names in file order.
func (f *File) Names() []string {
	var out []string
	for _, p := range f.Profiles {
		out = append(out, p.Name)
	}
	return out
}

// Get returns the named profile; an unknown name is an error that lists
// the known ones.
func (f *File) Get(name string) (*Profile, error) {
	if p := f.find(name); p != nil {
		if p.Err != nil {
			return nil, fmt.Errorf("profile %s cannot be used: %w", name, p.Err)
		}
		return p, nil
	}
	if len(f.Profiles) == 0 {
		return nil, fmt.Errorf("no profile %q: %s has no profiles", name, f.Path)
	}
	return nil, fmt.Errorf("no profile %q in %s: the profiles are %s", name, f.Path, strings.Join(f.Names(), ", "))
}

func (f *File) find(name string) *Profile {
	for _, p := range f.Profiles {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// String names the profile and where it is, for messages.
func (p *Profile) String() string {
	return fmt.Sprintf("profile %s (%s:%d)", p.Name, p.Path, p.Line)
}

// ConnString returns the profile's connection string: its connection line
// (if any) followed by its single keys, with ${env:NAME} replaced through
// lookup and a leading ~ of RefreshTokenFilePath replaced by home. Errors
// name the file, the line, the profile and the key, never a value.
func (p *Profile) ConnString(lookup func(string) (string, bool), home string) (string, error) {
	var parts []string
	for _, e := range p.Entries {
		at := func(err error) error {
			return fmt.Errorf("%s:%d: profile %s: %s: %w", p.Path, e.Line, p.Name, e.Key, err)
		}
		if e.Key != "connection" {
			v, err := expand(e.Key, e.Value, lookup, home)
			if err != nil {
				return "", at(err)
			}
			parts = append(parts, e.Key+"="+quote(v))
			continue
		}
		if name, ok := wholeEnv(e.Value); ok {
			// connection = ${env:NAME}: the whole string from the environment.
			v, err := env(name, lookup)
			if err != nil {
				return "", at(err)
			}
			parts = append(parts, v)
			continue
		}
		s, err := expandConn(e.Value, lookup, home)
		if err != nil {
			return "", at(err)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("%s:%d: profile %s is empty: add connection = <connection string>", p.Path, p.Line, p.Name)
	}
	return strings.Join(parts, ";"), nil
}

// Choice is the connection string a command should use and where it came
// from.
type Choice struct {
	ConnString string
	// From says where the string came from, for errors: "-c",
	// "$OUTLOOKSQL_CONNECTION" or "profile work (path:line)".
	From string
}

// ErrNoConnection is returned by Resolve when nothing names a connection.
var ErrNoConnection = errors.New("no connection")

// NoConnectionError is Resolve's error when nothing names a connection, the
// profiles file has no [default] profile, and other profiles of the file
// have problems (which did not stop the choice). It wraps ErrNoConnection.
type NoConnectionError struct {
	Path     string // the profiles file
	Problems error  // Parse's error: every problem found
}

func (e *NoConnectionError) Error() string {
	return fmt.Sprintf("no connection given and no [%s] profile; %s also has problems: %v", Default, e.Path, e.Problems)
}

// Unwrap makes errors.Is(err, ErrNoConnection) hold.
func (e *NoConnectionError) Unwrap() error { return ErrNoConnection }

// Resolve picks the connection: conn (-c) if given, else the profile named
// name (-p), else $OUTLOOKSQL_CONNECTION, else the profile "default" if the
// profiles file has one. lookup reads the environment (os.LookupEnv). When
// nothing names a connection the error wraps ErrNoConnection.
func Resolve(conn, name string, lookup func(string) (string, bool)) (Choice, error) {
	if conn != "" {
		return Choice{ConnString: conn, From: "-c"}, nil
	}
	if name == "" {
		if s, ok := lookup(EnvConnection); ok && s != "" {
			return Choice{ConnString: s, From: "$" + EnvConnection}, nil
		}
	}
	path, err := Path(lookup)
	if err != nil {
		if name == "" {
			return Choice{}, ErrNoConnection
		}
		return Choice{}, err
	}
	f, err := Load(path)
	if err != nil && f == nil {
		if name == "" && errors.Is(err, os.ErrNotExist) {
			return Choice{}, ErrNoConnection
		}
		if errors.Is(err, os.ErrNotExist) {
			return Choice{}, fmt.Errorf("no profile %q: there is no profiles file %s (create it with a [%s] section; see 'outlooksql profiles')", name, path, name)
		}
		return Choice{}, err
	}
	if name == "" {
		if f.find(Default) == nil {
			if err != nil { // problems in profiles not asked for
				return Choice{}, &NoConnectionError{Path: path, Problems: err}
			}
			return Choice{}, ErrNoConnection
		}
		name = Default
	}
	p, err := f.Get(name)
	if err != nil {
		return Choice{}, err
	}
	home, _ := os.UserHomeDir()
	s, err := p.ConnString(lookup, home)
	if err != nil {
		return Choice{}, err
	}
	// Without RefreshTokenFilePath, the profile's own file under tokens/.
	if s, err = config.WithDefaultTokenFile(s, path, p.Name); err != nil {
		return Choice{}, fmt.Errorf("%s: %w", p, err)
	}
	return Choice{ConnString: s, From: p.String()}, nil
}

func validName(s string) bool {
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

// canonicalKey returns "connection" or a connection-string key's canonical
// spelling, ignoring case.
func canonicalKey(k string) (string, bool) {
	if strings.EqualFold(k, "connection") {
		return "connection", true
	}
	for _, ck := range config.Keys() {
		if strings.EqualFold(ck.Name, k) {
			return ck.Name, true
		}
	}
	return "", false
}

func keyNames() string {
	var names []string
	for _, k := range config.Keys() {
		names = append(names, k.Name)
	}
	return strings.Join(names, ", ")
}

// expand replaces ${env:NAME} in the value of key, and a leading ~ of a
// RefreshTokenFilePath.
func expand(key, v string, lookup func(string) (string, bool), home string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(v, "${env:")
		if i < 0 {
			b.WriteString(v)
			break
		}
		end := strings.IndexByte(v[i:], '}')
		if end < 0 {
			return "", errors.New(`"${env:" has no closing "}": write ${env:NAME}`)
		}
		val, err := env(v[i+len("${env:"):i+end], lookup)
		if err != nil {
			return "", err
		}
		b.WriteString(v[:i])
		b.WriteString(val)
		v = v[i+end+1:]
	}
	out := b.String()
	if key == "RefreshTokenFilePath" && (out == "~" || strings.HasPrefix(out, "~/") || strings.HasPrefix(out, `~\`)) {
		if home == "" {
			return "", errors.New("~ stands for the home directory, which is not known here: write the full path")
		}
		out = filepath.Join(home, out[1:])
	}
	return out, nil
}

func env(name string, lookup func(string) (string, bool)) (string, error) {
	if name == "" || strings.ContainsAny(name, " \t${") {
		return "", fmt.Errorf("${env:%s}: not an environment variable's name", name)
	}
	v, ok := lookup(name)
	if !ok {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	if v == "" {
		return "", fmt.Errorf("environment variable %s is empty", name)
	}
	return v, nil
}

// wholeEnv reports whether s is exactly one ${env:NAME}.
func wholeEnv(s string) (string, bool) {
	if !strings.HasPrefix(s, "${env:") || !strings.HasSuffix(s, "}") {
		return "", false
	}
	name := s[len("${env:") : len(s)-1]
	return name, !strings.ContainsAny(name, "{}")
}

// expandConn expands the values of a connection string's pairs. It follows
// the connection string's syntax (";" between pairs, braced values with
// "}}" for "}") and leaves what it cannot read as it is, for
// config.Parse to explain.
func expandConn(s string, lookup func(string) (string, bool), home string) (string, error) {
	var out []string
	for i := 0; i < len(s); {
		eq := strings.IndexAny(s[i:], "=;")
		if eq < 0 || s[i+eq] == ';' { // a segment without "=": keep it
			end := len(s)
			if eq >= 0 {
				end = i + eq
			}
			out = append(out, s[i:end])
			i = end + 1
			continue
		}
		rawKey := s[i : i+eq]
		key, ok := canonicalKey(strings.TrimSpace(rawKey))
		if !ok {
			key = strings.TrimSpace(rawKey)
		}
		value, next, err := config.ReadValue(s, i+eq+1)
		if err != nil { // unbalanced braces: let config.Parse say so
			out = append(out, s[i:])
			break
		}
		v, err := expand(key, value, lookup, home)
		if err != nil {
			return "", fmt.Errorf("%s: %w", key, err)
		}
		out = append(out, strings.TrimSpace(rawKey)+"="+quote(v))
		i = next
	}
	return strings.Join(out, ";"), nil
}

// quote braces a value when the connection string's syntax needs it.
func quote(v string) string {
	if !strings.ContainsAny(v, ";{}") && v == strings.TrimSpace(v) {
		return v
	}
	return "{" + strings.ReplaceAll(v, "}", "}}") + "}"
}

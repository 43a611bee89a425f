package tables_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// outside are the packages that must not name a table or a column: they
// serve every table through its declaration.
var outside = []string{"vtab/plan", "vtab/outlook", "internal/graph", "auth", "driver"}

// protocol are literals that happen to spell a column's name but are words
// of Graph's or explain's own vocabulary, by file.
var protocol = map[string]string{
	`internal/graph/batch.go: "id"`:   "a $batch answer's id",
	`internal/graph/batch.go: "body"`: "a $batch answer's body",
	`vtab/plan/term.go: "path"`:       "explain's word for a key sent in the path",
}

// TestNoTableNamesOutside fails when a string literal in a non-test file of
// the packages above names a table (as a word) or a column: the whole
// literal, or, for a name with an underscore (user_id), a word of it.
// Comments may mention them.
func TestNoTableNamesOutside(t *testing.T) {
	words := map[string]string{} // name → what it is, matched as a word
	exact := map[string]string{} // matched as the whole literal
	for _, tab := range tables.All {
		words[tab.Name] = "table"
		for _, c := range tab.Columns {
			what := "column of " + tab.Name
			if strings.Contains(c.Name, "_") {
				words[c.Name] = what
			} else {
				exact[c.Name] = what
			}
		}
	}
	var pats []string
	for w := range words {
		pats = append(pats, regexp.QuoteMeta(w))
	}
	sort.Strings(pats)
	re := regexp.MustCompile(`(^|[^A-Za-z0-9_])(` + strings.Join(pats, "|") + `)($|[^A-Za-z0-9_])`)

	var offenders []string
	fset := token.NewFileSet()
	for _, dir := range outside {
		files, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, name, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				pos := fset.Position(lit.Pos())
				where := filepath.ToSlash(strings.TrimPrefix(pos.Filename, filepath.Join("..", "..")+string(filepath.Separator)))
				if _, ok := protocol[where+": "+lit.Value]; ok {
					return true
				}
				if what, ok := exact[s]; ok {
					offenders = append(offenders, where+":"+strconv.Itoa(pos.Line)+": "+lit.Value+" names a "+what)
				}
				if m := re.FindStringSubmatch(s); m != nil {
					offenders = append(offenders, where+":"+strconv.Itoa(pos.Line)+": "+lit.Value+" names "+m[2]+", a "+words[m[2]])
				}
				return true
			})
		}
	}
	if len(offenders) > 0 {
		t.Errorf("string literals outside vtab/tables name tables or columns; declare what they need in the table's file instead:\n%s", strings.Join(offenders, "\n"))
	}
}

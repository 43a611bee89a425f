// Package plan is the one planner behind every Graph table: it turns what
// SQLite tells a virtual table about a query (constraints, ORDER BY,
// LIMIT/OFFSET, the columns used) into the Graph requests of one scan, with
// $filter, $orderby, $search, $select, $top and $skip. It knows SQL and OData
// and nothing about HTTP.
//
// Two rules run through it. Correctness: a constraint is omitted (SQLite
// trusts the table) only when the OData translation is exact, and anything
// Graph evaluates differently (case, NULL, text order) is at most a
// pre-filter that keeps every row SQLite would keep. Economy: among correct
// plans, the fewest requests and bytes: whole IN lists in one $filter,
// LIMIT as $top and a stop, ORDER BY as $orderby, only the columns used.
package plan

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/outlooksql/outlooksql/vtab/sqlite"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// Options are the planner's settings.
type Options struct {
	// Pushdown=false uses only path keys (Key columns) and $select: no
	// $filter/$orderby/$top/$skip from the query (the benchmarks' baseline).
	Pushdown bool
}

// Defaults are connection settings Filter needs.
type Defaults struct {
	// UserID is the default mailbox: "me", a user id or a userPrincipalName.
	UserID string
	// Writing is true while a write transaction is open on the connection:
	// a scan that uses every column (SQLite's colUsed for the scan behind an
	// UPDATE) then selects only the columns its constraints and ORDER BY
	// name and those the table's writes need (Scan.Light); the runner reads
	// any other column later, by item, if it is read at all.
	Writing bool
	// Sequential is true when no listing may be split (ParallelScans=1):
	// no Request then has a Partition, and no first page asks for
	// $count=true.
	Sequential bool
}

// Scan is the Graph requests of one xFilter.
type Scan struct {
	// Requests run in order; the scan's rows are their concatenation.
	Requests []Request
	// Limit stops the whole scan after this many rows (0: no cap). It is set
	// only when Graph returns exactly the rows SQLite wants, in its order.
	Limit int64
	// Pushed and Local say, for people (explain), what was sent to Graph and
	// what SQLite still checks; a pre-filter appears in both.
	Pushed, Local []Term
	// Want is LIMIT+OFFSET when the query has a LIMIT (0: none), even where
	// Limit cannot be set (a WHERE term SQLite checks): the most rows SQLite
	// may want, so a runner need not start more requests ahead than that.
	// It is 0 when SQLite sorts the rows itself: it reads them all first.
	Want int64
	// Distinct is set when several requests may return the same item: an
	// IN list of a case-insensitive property split over requests ('Bob@x'
	// in one and 'bob@x' in another both match Bob's mail), or GETs by ids
	// that name one entity (a user's GUID and userPrincipalName). The
	// runner then keeps the first row of each item.
	Distinct bool
	// Light is set when the scan selects only some columns of those SQLite
	// said it uses (Defaults.Writing): Selected has a bit per column the
	// items carry; any other column must be read by item.
	Light    bool
	Selected uint64

	sorts []*LocalSort // by request: the request sorted by the runner
}

// LocalSort is how a runner answers a request itself when Graph refuses its
// $filter with $orderby as too complex (InefficientFilter, which Microsoft
// warns may happen even to a filter shaped as its rule asks): it sends
// Request, reads every row, sorts them by Property, drops Skip rows and
// keeps Limit (0: all). SQLite was promised the order, so the rows must
// arrive in it.
type LocalSort struct {
	// Request is the refused request without $orderby and $skip, in pages
	// of the table's largest $top (a heavy column's HeavyPage when one is
	// selected), with no Limit.
	Request Request
	// Property is the Graph property to sort by; Desc sorts descending.
	Property string
	Desc     bool
	// Skip is the rows the refused request's $skip would have skipped.
	Skip int64
	// Limit is the refused request's Limit (0: none).
	Limit int64
}

// LocalSort returns how to answer request i of the scan without Graph's
// $orderby; ok is false when the request has none.
func (s *Scan) LocalSort(i int) (ls LocalSort, ok bool) {
	if i < 0 || i >= len(s.sorts) || s.sorts[i] == nil {
		return LocalSort{}, false
	}
	return *s.sorts[i], true
}

// Request is one Graph request, followed by @odata.nextLink.
type Request struct {
	// Mailbox is the key for per-mailbox concurrency limits: "me" or the
	// user id/UPN; "" for /users.
	Mailbox string
	// MailboxPath is "/me" or "/users/alice%40contoso.com" (escaped), or
	// "/users('$x%40y')" for a UPN starting with $; "" for /users.
	MailboxPath string
	// URL is the path and query relative to BaseUrl, fully escaped.
	URL string
	// Header holds headers the request needs (ConsistencyLevel: eventual).
	Header map[string]string
	// Single is true when URL names one entity (GET by id): a 404
	// ErrorItemNotFound or 400 ErrorInvalidIdMalformed means no row.
	Single bool
	// Echo gives the value of hidden and key columns (user_id, folder_id,
	// search, message_id) on the rows of this request, by column index.
	Echo map[int]any
	// Limit stops following @odata.nextLink after this many rows of this
	// request (0: none).
	Limit int64
	// Search is true when the request uses $search; the runner must report
	// a result that reaches Graph's cap.
	Search bool
	// Expand is true for attachments read through
	// messages?$expand=attachments: each item's attachments are the rows,
	// and message_id echoes the item's id.
	Expand bool
	// Adapt is true when the pages carry a heavy column (a body): the
	// runner may change $top between pages, smaller after a 504 or a
	// timeout and back up to the URL's after pages that succeed
	// (graph.Pager.Adapt).
	Adapt bool
	// Children, for a folder tree, is the URL of a folder's child folders
	// with an {id} placeholder; the runner walks the tree with it.
	Children string
	// Part, when not nil, says how the runner may split the listing into
	// concurrent chains of disjoint ranges (see Partition).
	Part *Partition
}

// ChildrenURL is the URL of the child folders of the folder with the given
// id, in a folder-tree walk ("" when r is not one).
func (r *Request) ChildrenURL(id string) string {
	if r.Children == "" {
		return ""
	}
	return strings.ReplaceAll(r.Children, "{id}", url.PathEscape(id))
}

// Roles of a constraint in a plan (arg.Role).
const (
	roleKey    = 'k' // fills a path key: mailbox, folder, message, or $search
	roleID     = 'i' // one entity by id
	roleFilter = 'f' // may go to $filter
	roleLocal  = 'l' // SQLite checks it; the value is only read
	roleHas    = 'h' // attachments' is_inline = 0: messages with hasAttachments
	roleLimit  = 'n'
	roleOffset = 'o'
)

// arg says what one xFilter argument is. A plan is a list of them, in
// ArgvIndex order, encoded as JSON in IdxStr.
type arg struct {
	Col  int       `json:"c"`
	Op   sqlite.Op `json:"o"`
	Role byte      `json:"r"`
	Coll string    `json:"k,omitempty"` // collation, when not BINARY
	Omit bool      `json:"x,omitempty"`
	In   bool      `json:"i,omitempty"`
}

type order struct {
	Col  int  `json:"c"`
	Desc bool `json:"d,omitempty"`
}

// index is the plan BestIndex chose, as Filter reads it back from IdxStr.
type index struct {
	Args []arg  `json:"a,omitempty"`
	Used uint64 `json:"u"`
	// Order is the consumed ORDER BY, sent as $orderby.
	Order []order `json:"s,omitempty"`
	// Unsorted: SQLite sorts, so LIMIT can neither cap nor size pages.
	Unsorted bool `json:"z,omitempty"`
	// Skip: OFFSET is consumed and sent as $skip.
	Skip bool `json:"p,omitempty"`
	// Base: Options.Pushdown was false.
	Base bool `json:"b,omitempty"`
	// Where is the columns named by a constraint or the ORDER BY, usable or
	// not: with the table's write needs, what a scan that feeds an UPDATE or
	// DELETE selects (Defaults.Writing).
	Where uint64 `json:"w,omitempty"`
}

// Key names of tables.Column.Key.
const (
	keyMailbox = tables.KeyMailbox
	keyFolder  = tables.KeyFolder
	keySearch  = tables.KeySearch
	keyMessage = tables.KeyMessage
	keyID      = tables.KeyID
)

func column(t *tables.Table, i int) *tables.Column {
	if i < 0 || i >= len(t.Columns) {
		return nil
	}
	return &t.Columns[i]
}

// pathKey returns the key a constraint fills when it is usable as one.
func pathKey(t *tables.Table, c sqlite.Constraint) string {
	col := column(t, c.Column)
	if !c.Usable || col == nil || col.Key == "" || col.Key == keyID {
		return ""
	}
	switch c.Op {
	case sqlite.OpEQ, sqlite.OpIS:
		return col.Key
	case sqlite.OpMATCH:
		if col.Key == keySearch {
			return col.Key
		}
	}
	return ""
}

// pushable reports whether some value of op on c may go to $filter.
func pushable(t *tables.Table, c *tables.Column, op sqlite.Op) bool {
	if c.Property == "" || c.Filter == 0 {
		return false
	}
	ops := c.Filter
	switch op {
	case sqlite.OpEQ, sqlite.OpIS:
		return ops.Has(tables.Eq) || c.Type == tables.Date && ops.Has(tables.Cmp)
	case sqlite.OpNE:
		return ops.Has(tables.Ne) && (c.Type == tables.Bool || c.Type == tables.Date || c.Type == tables.Integer)
	case sqlite.OpISNOT:
		return ops.Has(tables.Ne) && c.Type == tables.Bool
	case sqlite.OpLT, sqlite.OpLE, sqlite.OpGT, sqlite.OpGE:
		return ops.Has(tables.Cmp) && (c.Type == tables.Date || c.Type == tables.Integer)
	case sqlite.OpLIKE, sqlite.OpGLOB:
		return (c.Type == tables.Text || c.Type == tables.Enum) &&
			ops&(tables.Eq|tables.StartsWith|tables.Contains|tables.EndsWith) != 0
	case sqlite.OpISNULL, sqlite.OpISNOTNULL:
		return ops.Has(tables.Null)
	}
	return false
}

// excludesNull reports whether a usable constraint on column col rejects NULL.
func excludesNull(info *sqlite.IndexInfo, col int) bool {
	for _, c := range info.Constraints {
		if !c.Usable || c.Column != col {
			continue
		}
		switch c.Op {
		case sqlite.OpEQ, sqlite.OpGT, sqlite.OpGE, sqlite.OpLT, sqlite.OpLE, sqlite.OpNE,
			sqlite.OpLIKE, sqlite.OpGLOB, sqlite.OpISNOTNULL:
			return true
		}
	}
	return false
}

// itemKeys reports whether every placeholder of t.Item but {mailbox} and {id}
// is filled by a chosen key, so one entity can be read by id.
func itemKeys(t *tables.Table, keys map[string]int) bool {
	if t.Item == "" {
		return false
	}
	for _, k := range []string{keyFolder, keySearch, keyMessage} {
		if containsPlaceholder(t.Item, k) {
			if _, ok := keys[k]; !ok {
				return false
			}
		}
	}
	return true
}

func containsPlaceholder(path, name string) bool {
	return strings.Contains(path, "{"+name+"}")
}

// BestIndex fills info's outputs for table t. It is cheap, does no I/O, and
// is called many times per statement.
func BestIndex(t *tables.Table, info *sqlite.IndexInfo, opt Options) error {
	n := len(info.Constraints)
	if len(info.ConstraintUsage) != n {
		info.ConstraintUsage = make([]sqlite.ConstraintUsage, n)
	}
	for i := range info.ConstraintUsage {
		info.ConstraintUsage[i] = sqlite.ConstraintUsage{}
	}
	roles := make([]byte, n)
	keys := map[string]int{}

	// Path keys, a single value before an IN list.
	for _, wantIn := range []bool{false, true} {
		for i, c := range info.Constraints {
			k := pathKey(t, c)
			if k == "" || c.IsIn != wantIn {
				continue
			}
			if _, ok := keys[k]; ok {
				continue
			}
			keys[k], roles[i] = i, roleKey
		}
	}
	_, search := keys[keySearch]
	_, folder := keys[keyFolder]
	expand := expands(t, keys)

	// One entity by id, unless a search or a folder scopes the rows.
	single := false
	if !search && !folder && itemKeys(t, keys) {
		for _, wantIn := range []bool{false, true} {
			for i, c := range info.Constraints {
				col := column(t, c.Column)
				if single || !c.Usable || col == nil || col.Key != keyID || c.IsIn != wantIn ||
					c.Op != sqlite.OpEQ && c.Op != sqlite.OpIS {
					continue
				}
				keys[keyID], roles[i], single = i, roleID, true
			}
		}
	}
	fanout := false
	for _, i := range keys {
		fanout = fanout || info.Constraints[i].IsIn
	}

	for i, c := range info.Constraints {
		if !c.Usable || roles[i] != 0 {
			continue
		}
		switch c.Op {
		case sqlite.OpLIMIT:
			roles[i] = roleLimit
			continue
		case sqlite.OpOFFSET:
			roles[i] = roleOffset
			continue
		case sqlite.OpMATCH:
			continue // only the search column takes MATCH; SQLite reports the rest
		}
		if !opt.Pushdown {
			continue
		}
		col := column(t, c.Column)
		switch {
		case col == nil || search:
			roles[i] = roleLocal
		case expand && t.Fetch.Expand.Has != nil && c.Column == t.Column(t.Fetch.Expand.Has.Column) &&
			(c.Op == sqlite.OpEQ || c.Op == sqlite.OpIS):
			roles[i] = roleHas
		case pushable(t, col, c.Op):
			roles[i] = roleFilter
		default:
			roles[i] = roleLocal
		}
	}

	// Omit, and the whole-IN choice.
	allOmitted := true
	for i, c := range info.Constraints {
		u := &info.ConstraintUsage[i]
		switch roles[i] {
		case 0, roleLimit, roleOffset:
			continue
		case roleKey:
			u.Omit = true
		case roleFilter:
			nullCheck := c.Op == sqlite.OpISNULL || c.Op == sqlite.OpISNOTNULL
			if !single && !c.IsIn && (c.HasRHS || nullCheck) {
				x := translate(t, column(t, c.Column), c.Op, c.Collation, c.RHS)
				u.Omit = x.exact
			}
		}
		u.In = c.IsIn
		allOmitted = allOmitted && u.Omit
	}

	// ORDER BY.
	consumed := false
	if len(info.OrderBy) > 0 {
		switch {
		case single && !fanout:
			consumed = true // at most one row
		case opt.Pushdown && t.Fetch.Flat() && !t.Directory && !search && !fanout && !single &&
			len(info.OrderBy) == 1:
			// One term only: Graph sorts by the full time, SQLite by the
			// whole seconds it shows, so a second key could disagree.
			ob := info.OrderBy[0]
			col := column(t, ob.Column)
			consumed = col != nil && col.Sort && col.Type == tables.Date && col.Property != "" &&
				(!col.Nullable || excludesNull(info, ob.Column))
		}
	}

	// LIMIT and OFFSET can be used only when every other constraint is.
	limitOK := opt.Pushdown
	for i := range info.Constraints {
		if roles[i] == 0 {
			limitOK = false
		}
	}
	hasLimit, hasOffset := false, false
	var limitRHS int64 = -1
	for i, c := range info.Constraints {
		switch roles[i] {
		case roleLimit, roleOffset:
			if !limitOK {
				roles[i] = 0
				continue
			}
			if roles[i] == roleLimit {
				hasLimit = true
				if v, ok := c.RHS.(int64); ok && c.HasRHS {
					limitRHS = v
				}
			} else {
				hasOffset = true
			}
		}
	}
	exactPlan := allOmitted && (len(info.OrderBy) == 0 || consumed)
	skip := exactPlan && hasLimit && hasOffset && t.Skip && t.Fetch.Flat() &&
		!search && !fanout && !single
	p := index{Used: info.ColUsed, Base: !opt.Pushdown, Skip: skip,
		Unsorted: len(info.OrderBy) > 0 && !consumed}
	for _, c := range info.Constraints {
		p.Where |= bit(c.Column)
	}
	for _, ob := range info.OrderBy {
		p.Where |= bit(ob.Column)
	}
	if consumed && !single {
		for _, ob := range info.OrderBy {
			p.Order = append(p.Order, order{Col: ob.Column, Desc: ob.Desc})
		}
	}
	for i, c := range info.Constraints {
		if roles[i] == 0 {
			continue
		}
		u := &info.ConstraintUsage[i]
		if roles[i] == roleOffset {
			u.Omit = skip
		}
		p.Args = append(p.Args, arg{Col: c.Column, Op: c.Op, Role: roles[i], Omit: u.Omit, In: u.In,
			Coll: collation(c.Collation)})
		u.ArgvIndex = len(p.Args)
	}
	info.OrderByConsumed = consumed

	rows, cost := estimate(t, info, roles, keys, single, limitRHS, exactPlan && hasLimit)
	info.EstimatedRows = int64(math.Max(1, math.Round(rows)))
	info.EstimatedCost = cost
	info.IdxFlags = 0
	if single && !fanout {
		info.EstimatedRows = 1
		info.IdxFlags = sqlite.ScanUnique
	}
	info.IdxNum = 0
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("plan: %s: encoding the plan: %w", t.Name, err)
	}
	info.IdxStr = string(b)
	return nil
}

func collation(c string) string {
	if binary(c) {
		return ""
	}
	return c
}

// Cost model: a request costs as much as reading reqCost rows.
const (
	reqCost = 1000.0
	inGuess = 5.0 // values in an IN list, unknown when planning
	// missingCost: a scope key given but unusable here; the plan reads the
	// wrong rows. It must outweigh the unbound costs times any row count
	// SQLite may multiply them by, so that joins still put such a table
	// inside.
	missingCost = 1e40
	// A scope column used but not bound (see estimate): a mailbox weighs
	// more than a folder or a search within it, so that an OR of scans
	// that each bind a mailbox (and some a folder) beats one scan of the
	// default mailbox.
	unboundMailbox = 1e15
	unboundScope   = 1e10
	// preFilterPage is the smallest page under a LIMIT when Graph only
	// pre-filters: rows SQLite rejects then cost a request per page.
	preFilterPage = 100
	searchRows    = 250 // rows a $search is guessed to find
)

// expands reports whether a scan of t with the given keys reads its rows
// nested in the parent's items (the parent's key is not given).
func expands(t *tables.Table, keys map[string]int) bool {
	if t.Fetch.Expand == nil {
		return false
	}
	_, ok := keys[t.Fetch.Expand.Key]
	return !ok
}

// estimate returns the rows the plan yields and its cost.
func estimate(t *tables.Table, info *sqlite.IndexInfo, roles []byte, keys map[string]int,
	single bool, limit int64, exactLimit bool) (rows, cost float64) {
	_, search := keys[keySearch]
	expand := expands(t, keys)
	fan := 1.0
	for _, i := range keys {
		if info.Constraints[i].IsIn {
			fan *= inGuess
		}
	}
	scanned := float64(t.Rows)
	if search {
		scanned = searchRows
	} else {
		for _, c := range t.Columns {
			if _, ok := keys[c.Key]; ok && c.Key != "" && c.Rows > 0 {
				scanned = float64(c.Rows)
				break
			}
		}
	}
	unfiltered := scanned // the scan by the path keys alone
	if single {
		scanned = 1
	}
	out := 1.0
	for i, c := range info.Constraints {
		switch roles[i] {
		case roleFilter:
			switch c.Op {
			case sqlite.OpEQ, sqlite.OpIS:
				scanned *= 0.1
			case sqlite.OpLIKE, sqlite.OpGLOB:
				scanned *= 0.25
			case sqlite.OpLT, sqlite.OpLE, sqlite.OpGT, sqlite.OpGE:
				scanned *= 0.3
			default:
				scanned *= 0.5
			}
		case roleLocal, roleHas:
			out *= 0.5
		}
	}
	rows = scanned * out
	if exactLimit && limit >= 0 {
		scanned = math.Min(scanned, float64(limit))
		rows = math.Min(rows, float64(limit))
	}
	top, _ := pageSize(t, info.ColUsed, expand)
	page := float64(top)
	requests := func(scanned float64) float64 {
		if expand {
			// the scan pages through the parents
			return math.Max(1, math.Ceil(float64(t.Fetch.Expand.ParentRows)/page))
		}
		return math.Max(1, math.Ceil(scanned/page))
	}
	cost = fan * (requests(scanned)*reqCost + scanned)
	// keyOnly is the cost of the plan were it to push nothing but its path
	// keys: no filter, no GET by id.
	keyOnly := fan * (requests(unfiltered)*reqCost + unfiltered)
	rows *= fan
	// A scope key (mailbox, folder, search) whose value SQLite knows only
	// when it runs (a join, a parameter, a subquery, an IN list) may be
	// lost on the way to xFilter. SQLite may run WHERE a OR b as one scan
	// per branch; when it codes them it plans each branch again without
	// the WHERE terms that hold a subquery (tag-20220303a in where.c), and
	// 3.40 leaves those terms out when it plans the branches already. A
	// branch would then read the default scope (/me, every folder) and
	// SQLite would reject its rows. So:
	//   - with a key whose value is unknown, pushed filters and ids never
	//     make a plan cheaper (cost and rows, which SQLite sorts) than the
	//     key alone: branches that keep the key cost at least twice the
	//     one scan by it;
	//   - a plan that leaves a scope column the query uses unbound reads
	//     only the default scope, where the query may want others (a key
	//     lost from an OR branch, or an OR across mailboxes, which only
	//     one scan per branch reads): it costs unboundMailbox or
	//     unboundScope more, so any plan that binds the column wins.
	for k, i := range keys {
		if (k == keyMailbox || k == keyFolder || k == keySearch) && !info.Constraints[i].HasRHS {
			cost, rows = math.Max(cost, keyOnly), math.Max(rows, fan*unfiltered)
			break
		}
	}
	for _, k := range []string{keyMailbox, keyFolder, keySearch} {
		if col := keyColumn(t, k); col >= 0 && used(info.ColUsed, col) {
			if _, ok := keys[k]; !ok && k == keyMailbox {
				cost += unboundMailbox
			} else if !ok {
				cost += unboundScope
			}
		}
	}
	// A scope key (mailbox, folder, search) that is constrained but not
	// usable here would make the plan read the default scope: rows whose
	// echoed key SQLite then rejects. Make such plans the last resort.
	for _, c := range info.Constraints {
		col := column(t, c.Column)
		if col == nil || c.Usable {
			continue
		}
		switch col.Key {
		case keyMailbox, keyFolder, keySearch:
			if _, ok := keys[col.Key]; !ok && (c.Op == sqlite.OpEQ || c.Op == sqlite.OpIS || c.Op == sqlite.OpMATCH) {
				cost += missingCost
			}
		}
	}
	return rows, cost
}

// bit is column i's bit in a colUsed mask (the last bit stands for
// every column from 63 on); 0 for the rowid (-1).
func bit(i int) uint64 {
	switch {
	case i < 0:
		return 0
	case i >= 63:
		return 1 << 63
	}
	return 1 << uint(i)
}

// used reports whether column i is in colUsed.
func used(colUsed uint64, i int) bool {
	if i >= 63 {
		return colUsed&(1<<63) != 0
	}
	return colUsed&(1<<uint(i)) != 0
}

// pageSize is the $top a scan starts at: the largest Graph allows (for an
// expand scan, the parent collection's), or a heavy column's HeavyPage
// when one is selected (heavy is then true: the runner adapts the size).
func pageSize(t *tables.Table, colUsed uint64, expand bool) (p int64, heavy bool) {
	p = int64(t.MaxTop)
	if expand && t.Fetch.Expand.MaxTop > 0 {
		p = int64(t.Fetch.Expand.MaxTop)
	}
	if p <= 0 {
		p = int64(t.DefaultPage)
	}
	for i, c := range t.Columns {
		if c.HeavyPage > 0 && used(colUsed, i) {
			p, heavy = min(p, int64(c.HeavyPage)), true
		}
	}
	return p, heavy
}

// selectList returns $select for the used columns, in column order, id
// always; full is true when the full representation is needed instead
// (attachment bytes come only with it).
func selectList(t *tables.Table, colUsed uint64) (sel string, full bool) {
	seen := map[string]bool{}
	var names []string
	for i, c := range t.Columns {
		u := used(colUsed, i)
		if u && c.Full {
			full = true
		}
		if c.Select == "" || seen[c.Select] {
			continue
		}
		if u || c.Select == tables.ID || c.Always {
			seen[c.Select] = true
			names = append(names, c.Select)
		}
	}
	if full {
		return "", true
	}
	return strings.Join(names, ","), false
}

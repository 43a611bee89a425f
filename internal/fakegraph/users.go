package fakegraph

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/outlooksql/outlooksql/internal/jsonx"
)

// Paging of /users.
const (
	MaxUsersTop      = 999
	DefaultUsersPage = 100
)

func usr(x any) *User { return x.(*User) }

func ptrGet(f func(*User) *string) func(x any) any {
	return func(x any) any {
		if p := f(usr(x)); p != nil {
			return *p
		}
		return nil
	}
}

func nullGet(any) any { return nil }

func mailNickname(u *User) string {
	n, _, _ := strings.Cut(u.UserPrincipalName, "@")
	return n
}

// userSchema is the user entity; props marks which filter in the default
// mode (false: advanced queries only).
var userSchema = newSchema("microsoft.graph.user", []*propDef{
	{path: "id", typ: edmString, get: func(x any) any { return usr(x).ID }},
	{path: "displayName", typ: edmString, get: func(x any) any { return usr(x).DisplayName }},
	{path: "givenName", typ: edmString, get: ptrGet(func(u *User) *string { return u.GivenName })},
	{path: "surname", typ: edmString, get: ptrGet(func(u *User) *string { return u.Surname })},
	{path: "mail", typ: edmString, get: ptrGet(func(u *User) *string { return u.Mail })},
	{path: "userPrincipalName", typ: edmString, get: func(x any) any { return usr(x).UserPrincipalName }},
	{path: "mailNickname", typ: edmString, get: func(x any) any { return mailNickname(usr(x)) }},
	{path: "jobTitle", typ: edmString, get: ptrGet(func(u *User) *string { return u.JobTitle })},
	{path: "department", typ: edmString, get: ptrGet(func(u *User) *string { return u.Department })},
	{path: "officeLocation", typ: edmString, get: ptrGet(func(u *User) *string { return u.OfficeLocation })},
	{path: "mobilePhone", typ: edmString, get: ptrGet(func(u *User) *string { return u.MobilePhone })},
	{path: "preferredLanguage", typ: edmString, get: ptrGet(func(u *User) *string { return u.PreferredLanguage })},
	{path: "businessPhones", typ: edmStrings, get: func(x any) any { return orEmpty(usr(x).BusinessPhones) }},
	{path: "accountEnabled", typ: edmBool, get: func(x any) any { return true }},
	{path: "userType", typ: edmString, get: func(x any) any { return "Member" }},
	{path: "otherMails", typ: edmStrings, get: func(x any) any { return []string{} }},
	{path: "proxyAddresses", typ: edmStrings, get: func(x any) any {
		if m := usr(x).Mail; m != nil {
			return []string{"SMTP:" + *m}
		}
		return []string{}
	}},
	{path: "city", typ: edmString, get: nullGet},
	{path: "country", typ: edmString, get: nullGet},
	{path: "usageLocation", typ: edmString, get: nullGet},
	{path: "employeeId", typ: edmString, get: nullGet},
	{path: "companyName", typ: edmString, get: nullGet},
	{path: "postalCode", typ: edmString, get: nullGet},
	{path: "streetAddress", typ: edmString, get: nullGet},
	{path: "employeeType", typ: edmString, get: nullGet},
}, nil)

// userAQOnly are properties filterable only with advanced queries.
var userAQOnly = []string{"officelocation", "mobilephone", "preferredlanguage", "companyname", "postalcode", "streetaddress", "employeetype", "businessphones"}

// userEqInOnly are properties that take only eq and in.
var userEqInOnly = []string{"id", "accountenabled", "usertype"}

// userDefaultProps are the properties /users and /me return without $select.
var userDefaultProps = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName"}

// userProps are all selectable properties, in the order they are sent.
var userProps = append(slices.Clone(userDefaultProps), "accountEnabled", "userType", "mailNickname", "otherMails", "proxyAddresses",
	"city", "country", "usageLocation", "employeeId", "companyName", "postalCode", "streetAddress", "employeeType", "department")

var (
	unsupportedQuery = &apiError{http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported Query."}
)

func unsupportedClause(p string) *apiError {
	return &apiError{http.StatusBadRequest, "Request_UnsupportedQuery", fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource 'User'.", p)}
}

// directoryFilter parses and checks a /users $filter; aq is advanced-query
// mode (ConsistencyLevel: eventual and $count=true).
func directoryFilter(src string, aq bool) (*expr, *apiError) {
	e, err := parseFilter(src)
	if err != nil {
		return nil, badRequest("Request_BadRequest", "Invalid filter clause: "+err.Error())
	}
	if err := bind(userSchema, e); err != nil {
		qe, _ := err.(*queryError)
		if qe != nil && qe.kind == "property" && strings.HasPrefix(qe.msg, "Could not find a property named '") {
			name := strings.TrimPrefix(qe.msg, "Could not find a property named '")
			name, _, _ = strings.Cut(name, "'")
			return nil, badRequest("Request_BadRequest", fmt.Sprintf("Property '%s' does not exist as a declared property or extension property.", name))
		}
		if qe != nil && qe.kind == "unsupported" {
			return nil, unsupportedQuery
		}
		return nil, badRequest("Request_BadRequest", "Invalid filter clause: "+err.Error())
	}
	if err := directoryShape(e, aq); err != nil {
		return nil, err
	}
	return e, nil
}

func directoryShape(e *expr, aq bool) *apiError {
	need := func() *apiError {
		if aq {
			return nil
		}
		return unsupportedQuery
	}
	propOf := func(x *expr) string {
		if x.def != nil {
			return strings.ToLower(x.def.path)
		}
		return ""
	}
	checkProp := func(x *expr) *apiError {
		if x.kind == eVar {
			return nil
		}
		if x.kind != eProp {
			return unsupportedQuery
		}
		if slices.Contains(userAQOnly, propOf(x)) {
			return need()
		}
		return nil
	}
	switch e.kind {
	case eBin:
		switch e.op {
		case "and", "or":
			for _, a := range e.args {
				if a.kind != eBin && a.kind != eCall && a.kind != eNot && a.kind != eIn && a.kind != eLambda {
					return unsupportedQuery
				}
				if err := directoryShape(a, aq); err != nil {
					return err
				}
			}
			return nil
		}
		l, r := e.args[0], e.args[1]
		if l.kind != eProp && l.kind != eVar || r.kind != eLit {
			return unsupportedQuery
		}
		if err := checkProp(l); err != nil {
			return err
		}
		p := propOf(l)
		if r.lit == nil {
			if err := need(); err != nil {
				return err
			}
		}
		switch e.op {
		case "eq":
			return nil
		case "ne":
			return need()
		case "ge", "le":
			if slices.Contains(userEqInOnly, p) {
				if p == "id" {
					return &apiError{http.StatusBadRequest, "Request_UnsupportedQuery", "The request uses a filter property that is not indexed"}
				}
				return unsupportedClause(l.def.path)
			}
			if l.typ != edmString {
				return unsupportedClause(l.def.path)
			}
			return nil
		}
		if l.def != nil {
			return unsupportedClause(l.def.path)
		}
		return unsupportedQuery
	case eNot:
		if err := need(); err != nil {
			return err
		}
		return directoryShape(e.args[0], aq)
	case eIn:
		return checkProp(e.args[0])
	case eCall:
		a := e.args
		if len(a) != 2 || (a[0].kind != eProp && a[0].kind != eVar) || a[1].kind != eLit {
			return unsupportedQuery
		}
		if err := checkProp(a[0]); err != nil {
			return err
		}
		p := propOf(a[0])
		switch e.op {
		case "startswith":
			if slices.Contains(userEqInOnly, p) {
				return unsupportedClause(a[0].def.path)
			}
			return nil
		case "endswith":
			if p != "mail" && p != "userprincipalname" && a[0].kind != eVar {
				return unsupportedClause(a[0].def.path)
			}
			return need()
		}
		if a[0].def != nil {
			return unsupportedClause(a[0].def.path)
		}
		return unsupportedQuery
	case eLambda:
		p := strings.ToLower(e.def.path)
		if p != "othermails" && p != "proxyaddresses" && p != "businessphones" || e.op != "any" || len(e.args) == 0 {
			return unsupportedQuery
		}
		if p == "businessphones" {
			if err := need(); err != nil {
				return err
			}
		}
		return directoryShape(e.args[0], aq)
	}
	return unsupportedQuery
}

func (c *call) appendUser(b []byte, u *User, sel selection) []byte {
	o := obj{b: append(b, '{')}
	for _, p := range userProps {
		if !sel.has(p, slices.Contains(userDefaultProps, p)) {
			continue
		}
		switch p {
		case "businessPhones":
			o.strs(p, orEmpty(u.BusinessPhones))
		case "displayName":
			o.str(p, u.DisplayName)
		case "givenName":
			o.ptr(p, u.GivenName)
		case "jobTitle":
			o.ptr(p, u.JobTitle)
		case "mail":
			o.ptr(p, u.Mail)
		case "mobilePhone":
			o.ptr(p, u.MobilePhone)
		case "officeLocation":
			o.ptr(p, u.OfficeLocation)
		case "preferredLanguage":
			o.ptr(p, u.PreferredLanguage)
		case "surname":
			o.ptr(p, u.Surname)
		case "userPrincipalName":
			o.str(p, u.UserPrincipalName)
		case "department":
			o.ptr(p, u.Department)
		case "accountEnabled":
			o.boolean(p, true)
		case "userType":
			o.str(p, "Member")
		case "mailNickname":
			o.str(p, mailNickname(u))
		case "otherMails":
			o.strs(p, []string{})
		case "proxyAddresses":
			o.strs(p, userSchema.props["proxyaddresses"].get(u).([]string))
		default:
			o.key(p)
			o.b = append(o.b, "null"...)
		}
	}
	o.str("id", u.ID)
	return append(o.b, '}')
}

func (c *call) canReadDirectory() bool {
	if c.p.app {
		return c.p.has("User.Read.All", "Directory.Read.All")
	}
	return c.p.has("User.ReadBasic.All", "User.Read.All", "Directory.Read.All")
}

func (c *call) denyDirectory() {
	c.fail(http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func (c *call) consistencyEventual() bool {
	return strings.EqualFold(strings.TrimSpace(c.r.Header.Get("ConsistencyLevel")), "eventual")
}

func (c *call) listUsers() {
	if !c.canReadDirectory() {
		c.denyDirectory()
		return
	}
	if !c.acquire("") {
		return
	}
	q := c.q()
	if q.has["$skip"] {
		c.fail(http.StatusBadRequest, "Request_BadRequest", "'$skip' is not supported by the service.")
		return
	}
	if err := q.allow("$select", "$filter", "$orderby", "$top", "$search", "$count", "$skiptoken"); err != nil {
		c.answer(&apiError{err.status, "Request_BadRequest", err.msg})
		return
	}
	eventual := c.consistencyEventual()
	aq := eventual && q.count
	page := DefaultUsersPage
	if q.has["$top"] {
		if q.top < 1 || q.top > MaxUsersTop {
			c.fail(http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid page size specified: '%d'. Must be between 1 and %d inclusive.", q.top, MaxUsersTop))
			return
		}
		page = q.top
	}
	sel, canon, err := parseSelect(q.sel, userProps, "microsoft.graph.user")
	if err != nil {
		c.answer(&apiError{err.status, "Request_BadRequest", err.msg})
		return
	}
	var filter *expr
	if q.has["$filter"] {
		if filter, err = directoryFilter(q.filter, aq); err != nil {
			c.answer(err)
			return
		}
	}
	var match func(*User) bool
	if q.has["$search"] {
		if !eventual {
			c.fail(http.StatusBadRequest, "Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
			return
		}
		if match, err = parseUserSearch(q.search); err != nil {
			c.answer(err)
			return
		}
	}
	var keys []orderKey
	if q.has["$orderby"] {
		ks, perr := parseOrderBy(userSchema, q.orderby)
		if perr != nil {
			c.fail(http.StatusBadRequest, "Request_BadRequest", perr.Error())
			return
		}
		for _, k := range ks {
			if p := strings.ToLower(k.def.path); p != "displayname" && p != "userprincipalname" {
				c.fail(http.StatusBadRequest, "Request_UnsupportedQuery", "Sorting not supported for current query.")
				return
			}
		}
		if (filter != nil || match != nil) && !aq {
			c.answer(unsupportedQuery)
			return
		}
		keys = ks
	}
	var list []*User
	for _, u := range c.s.tenant.Users {
		if filter != nil {
			if v, _ := filter.eval(u, nil).(bool); !v {
				continue
			}
		}
		if match != nil && !match(u) {
			continue
		}
		list = append(list, u)
	}
	if keys != nil {
		slices.SortStableFunc(list, func(a, b *User) int { return lessBy(keys, a, b) })
	}
	start := 0
	if q.has["$skiptoken"] {
		n, ok := decodeSkipToken(q.skiptoken)
		if !ok {
			c.fail(http.StatusBadRequest, "Request_BadRequest", "The specified page token value has expired and can no longer be included in your request.")
			return
		}
		start = min(n, len(list))
	}
	end := min(start+c.capPage(page), len(list))
	ctx := "users"
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	b := []byte(`{"@odata.context":`)
	b = jsonx.AppendString(b, c.context(ctx))
	if eventual && q.count && !q.has["$skiptoken"] {
		b = append(b, `,"@odata.count":`...)
		b = strconv.AppendInt(b, int64(len(list)), 10)
	}
	if end < len(list) {
		b = append(b, `,"@odata.nextLink":`...)
		b = jsonx.AppendString(b, c.nextLink("$skiptoken", encodeSkipToken(end)))
	}
	b = append(b, `,"value":[`...)
	for i, u := range list[start:end] {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.appendUser(b, u, sel)
	}
	c.writeJSON(append(b, "]}"...))
}

const skipTokenPrefix = "RFNwdAIAAQAAAD"

func encodeSkipToken(n int) string {
	return skipTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte("fakegraph:"+strconv.Itoa(n)))
}

func decodeSkipToken(t string) (int, bool) {
	if !strings.HasPrefix(t, skipTokenPrefix) {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(t[len(skipTokenPrefix):])
	if err != nil || !strings.HasPrefix(string(raw), "fakegraph:") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(raw), "fakegraph:"))
	return n, err == nil && n >= 0
}

func (c *call) countUsers() {
	if !c.canReadDirectory() {
		c.denyDirectory()
		return
	}
	if !c.consistencyEventual() {
		c.fail(http.StatusBadRequest, "Request_BadRequest", "$count is not currently supported.")
		return
	}
	q := c.q()
	if err := q.allow("$filter", "$search"); err != nil {
		c.answer(err)
		return
	}
	var filter *expr
	if q.has["$filter"] {
		var err *apiError
		if filter, err = directoryFilter(q.filter, true); err != nil {
			c.answer(err)
			return
		}
	}
	n := 0
	for _, u := range c.s.tenant.Users {
		if filter == nil {
			n++
		} else if v, _ := filter.eval(u, nil).(bool); v {
			n++
		}
	}
	c.rawValue("text/plain;charset=utf-8", []byte(strconv.Itoa(n)))
}

func (c *call) getUserByKey(key string) {
	if !c.canReadDirectory() && !(c.p.user != nil && (strings.EqualFold(key, c.p.user.ID) || strings.EqualFold(key, c.p.user.UserPrincipalName)) && c.p.has("User.Read")) {
		c.denyDirectory()
		return
	}
	u := c.s.idx.users[strings.ToLower(key)]
	if u == nil {
		c.fail(http.StatusNotFound, "Request_ResourceNotFound", fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key))
		return
	}
	c.getUser(u)
}

func (c *call) getUser(u *User) {
	if c.p.user != u && !c.canReadDirectory() || c.p.user == u && !c.p.has("User.Read", "User.ReadBasic.All", "User.Read.All", "Directory.Read.All") {
		c.denyDirectory()
		return
	}
	if !c.acquire("") {
		return
	}
	q := c.q()
	if err := q.allow("$select"); err != nil {
		c.answer(&apiError{err.status, "Request_BadRequest", err.msg})
		return
	}
	sel, canon, err := parseSelect(q.sel, userProps, "microsoft.graph.user")
	if err != nil {
		c.answer(&apiError{err.status, "Request_BadRequest", err.msg})
		return
	}
	ctx := "users"
	if canon != nil {
		ctx += "(" + strings.Join(canon, ",") + ")"
	}
	c.writeJSON(withContext(c.appendUser(nil, u, sel), c.context(ctx+"/$entity")))
}

// parseUserSearch reads $search on users: "prop:value" clauses in double
// quotes joined by AND/OR (upper case). displayName matches any word that
// starts with the value; other properties match by prefix.
func parseUserSearch(v string) (func(*User) bool, *apiError) {
	bad := badRequest("Request_UnsupportedQuery", fmt.Sprintf("Invalid search query: %s", v))
	type clause struct {
		def *propDef
		val string
	}
	var clauses []clause
	var ops []string
	rest := strings.TrimSpace(v)
	for rest != "" {
		if len(clauses) > len(ops) {
			op, r, ok := strings.Cut(rest, " ")
			if !ok || op != "AND" && op != "OR" {
				return nil, bad
			}
			ops = append(ops, op)
			rest = strings.TrimSpace(r)
			continue
		}
		if rest[0] != '"' {
			return nil, bad
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return nil, bad
		}
		body := rest[1 : end+1]
		rest = strings.TrimSpace(rest[end+2:])
		k, val, ok := strings.Cut(body, ":")
		if !ok {
			return nil, bad
		}
		d := userSchema.props[strings.ToLower(k)]
		if d == nil || d.typ != edmString {
			return nil, badRequest("Request_UnsupportedQuery", fmt.Sprintf("Property '%s' is not searchable.", k))
		}
		clauses = append(clauses, clause{d, strings.ToLower(val)})
	}
	if len(clauses) == 0 || len(ops) != len(clauses)-1 {
		return nil, bad
	}
	one := func(cl clause, u *User) bool {
		s, _ := cl.def.get(u).(string)
		s = strings.ToLower(s)
		if cl.def.path == "displayName" {
			for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '.' || r == '_' }) {
				if strings.HasPrefix(w, cl.val) {
					return true
				}
			}
			return strings.HasPrefix(s, cl.val)
		}
		return strings.HasPrefix(s, cl.val)
	}
	return func(u *User) bool {
		// AND binds tighter than OR
		result, term := false, one(clauses[0], u)
		for i, op := range ops {
			next := one(clauses[i+1], u)
			if op == "AND" {
				term = term && next
			} else {
				result = result || term
				term = next
			}
		}
		return result || term
	}, nil
}

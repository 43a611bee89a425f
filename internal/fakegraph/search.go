package fakegraph

import (
	"fmt"
	"slices"
	"strings"
)

// The KQL subset of $search on messages:
//
//	budget report            bare words: each must occur (AND) in the subject,
//	                         the body text or the sender's name or address
//	"budget report"          a phrase
//	from:alice  to:bob  cc:x  bcc:x  participants:x  recipients:x
//	subject:"q3 plan"  body:pizza  attachment:report
//	a OR b   a AND b   NOT a   (a OR b) c
//
// Matching is case-insensitive substring matching. Results are sorted by
// sentDateTime, newest first, and capped at SearchCap.

type kqlNode struct {
	op    string // "and", "or", "not", "term"
	prop  string // "" for bare terms
	value string // lower-cased
	args  []*kqlNode
}

// parseSearch parses a $search value: KQL in double quotes.
func parseSearch(v string) (*kqlNode, *apiError) {
	v = strings.TrimSpace(v)
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, badRequest("BadRequest", fmt.Sprintf("Syntax error: the $search value %s must be enclosed in double quotes, e.g. $search=\"pizza\".", v))
	}
	inner := strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
	toks, err := kqlTokens(inner)
	if err != nil {
		return nil, badRequest("BadRequest", "Syntax error in $search: "+err.Error())
	}
	if len(toks) == 0 {
		return nil, badRequest("BadRequest", "Syntax error in $search: the query is empty.")
	}
	p := &kqlParser{toks: toks}
	n, err := p.or()
	if err == nil && p.i < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.i])
	}
	if err != nil {
		return nil, badRequest("BadRequest", "Syntax error in $search: "+err.Error())
	}
	return n, nil
}

// kqlTokens splits KQL into words, "phrases" (kept with their quotes),
// prop:value pairs and parentheses.
func kqlTokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			out = append(out, string(c))
			i++
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '(' && s[j] != ')' {
				if s[j] == '"' {
					k := strings.IndexByte(s[j+1:], '"')
					if k < 0 {
						return nil, fmt.Errorf("unterminated phrase at %d", j)
					}
					j += k + 2
					continue
				}
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}

type kqlParser struct {
	toks []string
	i    int
}

func (p *kqlParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *kqlParser) or() (*kqlNode, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "OR" {
		p.i++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &kqlNode{op: "or", args: []*kqlNode{l, r}}
	}
	return l, nil
}

func (p *kqlParser) and() (*kqlNode, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t == "" || t == "OR" || t == ")" {
			return l, nil
		}
		if t == "AND" {
			p.i++
		}
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &kqlNode{op: "and", args: []*kqlNode{l, r}}
	}
}

var kqlProps = []string{"from", "to", "cc", "bcc", "participants", "recipients", "subject", "body", "attachment"}

func (p *kqlParser) unary() (*kqlNode, error) {
	t := p.peek()
	switch t {
	case "":
		return nil, fmt.Errorf("a term is missing at the end")
	case "NOT":
		p.i++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &kqlNode{op: "not", args: []*kqlNode{x}}, nil
	case "(":
		p.i++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("')' expected")
		}
		p.i++
		return x, nil
	case ")", "AND", "OR":
		return nil, fmt.Errorf("unexpected %q", t)
	}
	p.i++
	n := &kqlNode{op: "term"}
	if k, v, ok := strings.Cut(t, ":"); ok && slices.Contains(kqlProps, strings.ToLower(k)) {
		n.prop, t = strings.ToLower(k), v
	}
	t = strings.Trim(t, `"`)
	if t == "" {
		return nil, fmt.Errorf("empty value in %q", p.toks[p.i-1])
	}
	n.value = strings.ToLower(t)
	return n, nil
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), sub)
}

func recipientsMatch(rs []Recipient, v string) bool {
	for _, r := range rs {
		if containsFold(r.Name, v) || containsFold(r.Address, v) {
			return true
		}
	}
	return false
}

func (n *kqlNode) match(m *Message) bool {
	switch n.op {
	case "and":
		return n.args[0].match(m) && n.args[1].match(m)
	case "or":
		return n.args[0].match(m) || n.args[1].match(m)
	case "not":
		return !n.args[0].match(m)
	}
	v := n.value
	from := func() bool { return m.From != nil && (containsFold(m.From.Name, v) || containsFold(m.From.Address, v)) }
	body := func() bool { return containsFold(htmlToText(m.Body.Content), v) }
	switch n.prop {
	case "from":
		return from()
	case "to":
		return recipientsMatch(m.ToRecipients, v)
	case "cc":
		return recipientsMatch(m.CcRecipients, v)
	case "bcc":
		return recipientsMatch(m.BccRecipients, v)
	case "recipients":
		return recipientsMatch(m.ToRecipients, v) || recipientsMatch(m.CcRecipients, v) || recipientsMatch(m.BccRecipients, v)
	case "participants":
		return from() || recipientsMatch(m.ToRecipients, v) || recipientsMatch(m.CcRecipients, v) || recipientsMatch(m.BccRecipients, v)
	case "subject":
		return containsFold(m.Subject, v)
	case "body":
		return body()
	case "attachment":
		for _, a := range m.Attachments {
			if containsFold(a.Name, v) {
				return true
			}
		}
		return false
	}
	return containsFold(m.Subject, v) || from() || body()
}

// Search is the oracle of $search: the messages of the user's mailbox that
// the KQL query (without the surrounding double quotes) matches, as the
// fake returns them: newest sentDateTime first, at most SearchCap.
func (t *Tenant) Search(upn, kql string) ([]*Message, error) {
	n, err := parseSearch(`"` + kql + `"`)
	if err != nil {
		return nil, fmt.Errorf("fakegraph: search %q: %s", kql, err.msg)
	}
	for _, u := range t.Users {
		if !strings.EqualFold(u.UserPrincipalName, upn) {
			continue
		}
		var out []*Message
		for _, m := range u.Messages {
			if n.match(m) {
				out = append(out, m)
			}
		}
		slices.SortStableFunc(out, func(a, b *Message) int { return b.SentDateTime.Compare(a.SentDateTime) })
		if len(out) > SearchCap {
			out = out[:SearchCap]
		}
		return out, nil
	}
	return nil, fmt.Errorf("fakegraph: search: no user %q", upn)
}

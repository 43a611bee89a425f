package syncdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/internal/graph"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// syncUsers applies one round of /users/delta and its new link (stored in
// _outlooksql_delta, resource 'users') in one transaction: the first round
// lists every user, later ones the changed and @removed ones. Where the
// permission does not allow /users/delta (403), it reads /users whole and
// makes the users table exactly its rows: the directory is small next to
// the mail. The summary says which it did.
func (r *run) syncUsers(ctx context.Context) error {
	sel := r.users.selectList()
	initial := tables.UsersPath + "/delta?$select=" + sel
	link, saved, err := r.savedLink("", resUsers, "")
	if err != nil {
		return err
	}
	if link == "" || saved != sel {
		link = initial
	}
	var items []gjson.Result
	delta, full, err := r.round(ctx, "", link, initial, nil,
		func(it gjson.Result) error { items = append(items, it); return nil },
		func() error { items = items[:0]; return nil })
	if graph.Status(err) == http.StatusForbidden {
		r.usersFullRead.Store(true)
		return r.readUsers(ctx)
	}
	if err != nil {
		return fmt.Errorf("users/delta: %w", err)
	}
	return r.tx(ctx, func(tx *sql.Tx) error {
		var seen map[string]bool
		if full {
			seen = map[string]bool{}
		}
		var n int64
		for _, it := range items {
			id := it.Get("id").String()
			if id == "" {
				return errors.New("users/delta sent a user without an id")
			}
			if it.Get("@removed").Exists() {
				if _, err := tx.Exec("DELETE FROM users WHERE id = ?", id); err != nil {
					return fmt.Errorf("delete user %s: %w", id, err)
				}
				continue
			}
			vals, present, err := r.users.row("", it)
			if err != nil {
				return err
			}
			if seen != nil {
				seen[id] = true
			}
			if err := upsert(tx, r.users, vals, present); err != nil {
				return err
			}
			n++
		}
		if full {
			if err := dropUsers(tx, seen); err != nil {
				return err
			}
		}
		r.userRows.Store(n)
		return saveLink(tx, "", resUsers, "", sel, delta)
	})
}

// readUsers reads /users whole and makes the users table exactly its rows,
// in one transaction; a users delta link left from a run with the
// permission is dropped (the rows no longer follow it).
func (r *run) readUsers(ctx context.Context) error {
	var items []gjson.Result
	p := r.o.Client.Pages(ctx, "", tables.UsersPath+"?$select="+r.users.selectList()+"&$top="+strconv.Itoa(tables.Users.MaxTop), nil)
	for {
		page, err := p.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("users: %w", err)
		}
		items = append(items, page.Array()...)
	}
	return r.tx(ctx, func(tx *sql.Tx) error {
		seen := map[string]bool{}
		for _, it := range items {
			vals, present, err := r.users.row("", it)
			if err != nil {
				return err
			}
			seen[it.Get("id").String()] = true
			if err := upsert(tx, r.users, vals, present); err != nil {
				return err
			}
		}
		if err := dropUsers(tx, seen); err != nil {
			return err
		}
		if _, err := tx.Exec("DELETE FROM _outlooksql_delta WHERE user_id = '' AND resource = ?", resUsers); err != nil {
			return fmt.Errorf("drop the users delta link: %w", err)
		}
		r.userRows.Store(int64(len(items)))
		return nil
	})
}

// dropUsers deletes the users not in seen.
func dropUsers(tx *sql.Tx, seen map[string]bool) error {
	ids, err := queryStrings(tx, "SELECT id FROM users")
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !seen[id] {
			if _, err := tx.Exec("DELETE FROM users WHERE id = ?", id); err != nil {
				return fmt.Errorf("delete user %s: %w", id, err)
			}
		}
	}
	return nil
}

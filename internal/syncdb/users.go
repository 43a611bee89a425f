package syncdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/outlooksql/outlooksql/vtab/tables"
)

// syncUsers reads /users whole and makes the users table exactly its
// rows, in one transaction. The directory is small next to the mail.
// TODO(issue 10): /users/delta where the permission allows it.
func (r *run) syncUsers(ctx context.Context) error {
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
		r.userRows.Store(int64(len(items)))
		return nil
	})
}

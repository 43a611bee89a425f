// Package oracle loads a fake tenant's data into plain SQLite tables with
// the same names and columns as the Graph tables, so that differential tests
// can run the same SQL over the virtual tables and over a plain copy and
// compare the answers.
//
// The virtual tables are functions of their hidden columns: messages with
// user_id = X holds X's mail and echoes X. The copy spells that out: every
// mailbox's rows appear once per name the mailbox answers to (its
// userPrincipalName, its id, and "me" for the signed-in user), and messages
// once more per well-known folder name (folder_id = 'inbox', …) besides the
// whole-mailbox rows (folder_id IS NULL). A query over the copy must
// therefore name its scope the way the virtual table's defaults do:
// user_id = 'me' AND folder_id IS NULL when the query gives none (see Scope).
package oracle

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/outlooksql/outlooksql/internal/fakegraph"
	"github.com/outlooksql/outlooksql/vtab/tables"
)

// Load creates the tables messages, mail_folders, attachments and users in
// db (a plain SQLite database) and fills them from t; signedIn is the
// userPrincipalName "me" stands for.
func Load(db *sql.DB, t *fakegraph.Tenant, signedIn string) error {
	aliases := map[string][]string{} // upn → names of the mailbox
	for _, u := range t.Users {
		names := []string{u.UserPrincipalName, u.ID}
		if strings.EqualFold(u.UserPrincipalName, signedIn) {
			names = append(names, "me")
		}
		aliases[strings.ToLower(u.UserPrincipalName)] = names
	}
	folderNames := map[string]string{} // folder id → well-known name
	for _, u := range t.Users {
		for _, f := range u.Folders {
			if f.WellKnownName != "" {
				folderNames[f.ID] = f.WellKnownName
			}
		}
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, tab := range tables.All {
		if err := load(tx, t, tab, aliases, folderNames); err != nil {
			return fmt.Errorf("oracle: %s: %w", tab.Name, err)
		}
	}
	return tx.Commit()
}

func load(tx *sql.Tx, t *fakegraph.Tenant, tab *tables.Table, aliases map[string][]string, folderNames map[string]string) error {
	var cols []string
	for _, c := range tab.Columns {
		cols = append(cols, c.Name+" "+c.Type.SQLType())
	}
	if _, err := tx.Exec(fmt.Sprintf("CREATE TABLE %s(%s)", tab.Name, strings.Join(cols, ", "))); err != nil {
		return err
	}
	names, rows := t.Rows(tab.Name)
	pos := map[string]int{}
	for i, n := range names {
		pos[n] = i
	}
	ph := strings.TrimSuffix(strings.Repeat("?,", len(tab.Columns)), ",")
	stmt, err := tx.Prepare(fmt.Sprintf("INSERT INTO %s VALUES (%s)", tab.Name, ph))
	if err != nil {
		return err
	}
	defer stmt.Close()
	insert := func(r []any, user, folder any) error {
		vals := make([]any, len(tab.Columns))
		for i, c := range tab.Columns {
			switch c.Name {
			case "user_id":
				vals[i] = user
			case "folder_id":
				vals[i] = folder
			case "search":
				vals[i] = nil
			default:
				vals[i] = r[pos[c.Name]]
			}
		}
		_, err := stmt.Exec(vals...)
		return err
	}
	for _, r := range rows {
		if tab.Column("user_id") < 0 {
			if err := insert(r, nil, nil); err != nil {
				return err
			}
			continue
		}
		owner, _ := r[pos["user_id"]].(string)
		for _, name := range aliases[strings.ToLower(owner)] {
			if err := insert(r, name, nil); err != nil {
				return err
			}
			if tab.Column("folder_id") < 0 {
				continue
			}
			parent, _ := r[pos["parent_folder_id"]].(string)
			if wk := folderNames[parent]; wk != "" {
				if err := insert(r, name, wk); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Scope returns the predicates that give a query over the copy the virtual
// table's default scope for alias (a table name or alias in the query):
// the signed-in mailbox and, for messages, the whole mailbox.
func Scope(table, alias string) string {
	s := alias + ".user_id = 'me'"
	if table == "messages" {
		s += " AND " + alias + ".folder_id IS NULL"
	}
	return s
}

package tables

import "fmt"

// categoryColors are Graph's categoryColor members: none, preset0 … preset24.
var categoryColors = func() []string {
	c := []string{"none"}
	for i := 0; i <= 24; i++ {
		c = append(c, fmt.Sprintf("preset%d", i))
	}
	return c
}()

// MasterCategories is the master_categories table: the mailbox's category
// list, /{mailbox}/outlook/masterCategories.
var MasterCategories = &Table{
	Name:        "master_categories",
	Doc:         "The category list of a mailbox and the colour of each category.",
	Collection:  "/{mailbox}/outlook/masterCategories",
	Item:        "/{mailbox}/outlook/masterCategories/{id}",
	Rows:        20,
	Needs:       []Need{mailboxSettingsRead},
	Forbidden:   mailboxSettingsForbidden,
	MaxTop:      100,
	DefaultPage: 10,
	Columns: []Column{
		{Name: "user_id", Type: Text, Hidden: true, Key: KeyMailbox, Doc: "mailbox: me, a user id or a userPrincipalName"},
		{Name: "id", Type: Text, Select: "id", Path: "id"},
		{Name: "display_name", Type: Text, Select: "displayName", Path: "displayName", Doc: "the name messages' categories hold"},
		{Name: "color", Type: Enum, Select: "color", Path: "color", Members: categoryColors, Doc: "none, preset0 … preset24"},
	},
}

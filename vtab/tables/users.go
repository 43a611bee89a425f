package tables

// Users is the users table: /users.
var Users = &Table{
	Name:       "users",
	Doc:        "Users of the directory.",
	Collection: "/users",
	Item:       "/users/{id}",
	Rows:       10000,
	Needs: []Need{{Scope: "User.ReadBasic.All", Any: []string{"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All",
		"Directory.Read.All", "Directory.ReadWrite.All"}}},
	MaxTop:      999,
	DefaultPage: 100,
	Directory:   true,
	Columns: []Column{
		{Name: "id", Type: Text, Key: "id", Select: "id", Path: "id", Property: "id", Filter: Eq | In},
		{Name: "display_name", Type: Text, Select: "displayName", Path: "displayName", Property: "displayName", Filter: Eq | Ne | StartsWith | In | Null, CaseInsensitive: true},
		{Name: "given_name", Type: Text, Select: "givenName", Path: "givenName", Property: "givenName", Filter: Eq | Ne | StartsWith | In | Null, CaseInsensitive: true},
		{Name: "surname", Type: Text, Select: "surname", Path: "surname", Property: "surname", Filter: Eq | Ne | StartsWith | In | Null, CaseInsensitive: true},
		{Name: "mail", Type: Text, Select: "mail", Path: "mail", Property: "mail", Filter: Eq | Ne | StartsWith | EndsWith | In | Null, CaseInsensitive: true},
		{Name: "user_principal_name", Type: Text, Select: "userPrincipalName", Path: "userPrincipalName", Property: "userPrincipalName", Filter: Eq | Ne | StartsWith | EndsWith | In, CaseInsensitive: true},
		{Name: "job_title", Type: Text, Select: "jobTitle", Path: "jobTitle", Property: "jobTitle", Filter: Eq | Ne | StartsWith | In | Null, CaseInsensitive: true},
		{Name: "department", Type: Text, Select: "department", Path: "department", Property: "department", Filter: Eq | Ne | StartsWith | In | Null, CaseInsensitive: true},
		{Name: "office_location", Type: Text, Select: "officeLocation", Path: "officeLocation", Property: "officeLocation", Filter: Eq | Ne | StartsWith | Null, CaseInsensitive: true, Advanced: true},
		{Name: "mobile_phone", Type: Text, Select: "mobilePhone", Path: "mobilePhone", Property: "mobilePhone", Filter: Eq | Ne | StartsWith | Null, CaseInsensitive: true, Advanced: true},
		{Name: "preferred_language", Type: Text, Select: "preferredLanguage", Path: "preferredLanguage", Property: "preferredLanguage", Filter: Eq | Ne | StartsWith | Null, CaseInsensitive: true, Advanced: true},
		{Name: "business_phones", Type: JSON, Select: "businessPhones", Path: "businessPhones"},
	},
}

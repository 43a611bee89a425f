package fakegraph

import "slices"

// Snapshot returns a deep copy of the served tenant, taken while no write
// is being applied: a consistent state for a test to compare after each
// statement, safe to read while the server goes on serving. (Tenant
// returns the live tenant, which writes change in place.)
func (s *Server) Snapshot() *Tenant {
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	return s.tenant.Clone()
}

// Clone returns a deep copy of t.
func (t *Tenant) Clone() *Tenant {
	c := *t
	c.Users = make([]*User, len(t.Users))
	for i, u := range t.Users {
		c.Users[i] = cloneUser(u)
	}
	return &c
}

func cloneStr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneUser(u *User) *User {
	c := *u
	c.GivenName, c.Surname, c.Mail = cloneStr(u.GivenName), cloneStr(u.Surname), cloneStr(u.Mail)
	c.JobTitle, c.Department, c.OfficeLocation = cloneStr(u.JobTitle), cloneStr(u.Department), cloneStr(u.OfficeLocation)
	c.MobilePhone, c.PreferredLanguage = cloneStr(u.MobilePhone), cloneStr(u.PreferredLanguage)
	c.BusinessPhones = slices.Clone(u.BusinessPhones)
	if u.Folders != nil {
		c.Folders = make([]*Folder, len(u.Folders))
		for i, f := range u.Folders {
			x := *f
			c.Folders[i] = &x
		}
	}
	if u.Messages != nil {
		c.Messages = make([]*Message, len(u.Messages))
		for i, m := range u.Messages {
			c.Messages[i] = CloneMessage(m)
		}
	}
	if u.Rules != nil {
		c.Rules = make([]*Rule, len(u.Rules))
		for i, r := range u.Rules {
			x := *r
			c.Rules[i] = &x
		}
	}
	if u.Categories != nil {
		c.Categories = make([]*Category, len(u.Categories))
		for i, k := range u.Categories {
			x := *k
			c.Categories[i] = &x
		}
	}
	if u.Settings != nil {
		st := *u.Settings
		st.WorkDays = slices.Clone(u.Settings.WorkDays)
		c.Settings = &st
	}
	return &c
}

// CloneMessage returns a deep copy of m.
func CloneMessage(m *Message) *Message {
	c := *m
	if m.UniqueBody != nil {
		b := *m.UniqueBody
		c.UniqueBody = &b
	}
	if m.From != nil {
		r := *m.From
		c.From = &r
	}
	if m.Sender != nil {
		r := *m.Sender
		c.Sender = &r
	}
	c.ToRecipients = slices.Clone(m.ToRecipients)
	c.CcRecipients = slices.Clone(m.CcRecipients)
	c.BccRecipients = slices.Clone(m.BccRecipients)
	c.ReplyTo = slices.Clone(m.ReplyTo)
	c.Categories = slices.Clone(m.Categories)
	c.InternetMessageHeaders = slices.Clone(m.InternetMessageHeaders)
	if m.Flag.Start != nil {
		t := *m.Flag.Start
		c.Flag.Start = &t
	}
	if m.Flag.Due != nil {
		t := *m.Flag.Due
		c.Flag.Due = &t
	}
	if m.Flag.Completed != nil {
		t := *m.Flag.Completed
		c.Flag.Completed = &t
	}
	if m.Attachments != nil {
		c.Attachments = make([]*Attachment, len(m.Attachments))
		for i, a := range m.Attachments {
			c.Attachments[i] = cloneAttachment(a)
		}
	}
	return &c
}

func cloneAttachment(a *Attachment) *Attachment {
	c := *a
	c.Content = slices.Clone(a.Content)
	if a.Item != nil {
		c.Item = CloneMessage(a.Item)
	}
	return &c
}

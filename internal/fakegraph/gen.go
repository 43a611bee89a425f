package fakegraph

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"time"
)

// GenConfig says what Generate builds.
type GenConfig struct {
	// Seed makes the tenant: the same seed gives the same tenant.
	Seed int64
	// Users is the number of users with a mailbox (at least 1).
	Users int
	// MessagesPerUser is the number of messages in each mailbox.
	MessagesPerUser int
}

// LargeAttachmentSize is the size of the one file attachment per tenant
// that is over Graph's 3 MB inline limit (see MaxInlineContent).
const LargeAttachmentSize = 3*1024*1024 + 4096

// genStart and genEnd bound the generated dates: about two years.
var (
	genEnd   = time.Date(2025, 6, 30, 18, 0, 0, 0, time.UTC)
	genStart = genEnd.AddDate(-2, 0, 0)
)

// Generate builds a deterministic tenant: the same config gives the same
// tenant, byte for byte. It is fast enough for 100,000 messages in a mailbox.
//
// Every mailbox has the well-known folders (inbox, sentitems, drafts,
// deleteditems, archive, junkemail, outbox, conversationhistory), nested
// user folders (Inbox/Projects/2024, Archive/2013…2024, …), more than ten
// visible top-level folders and a hidden one (Sync Issues) with a child.
// Messages carry quotes, "%", "_", accents, CJK and emoji; all three flag
// statuses; categories; drafts without from; every attachment kind (some
// inline with a contentId); and the first user's first two message ids
// differ only by letter case. The first user also has one file attachment
// over 3 MB.
func Generate(cfg GenConfig) *Tenant {
	n := cfg.Users
	if n < 1 {
		n = 1
	}
	counts := make([]int, n)
	for i := range counts {
		counts[i] = max(cfg.MessagesPerUser, 0)
	}
	return generate(cfg.Seed, counts)
}

// Demo returns the demo tenant: five users with mailboxes (a few thousand
// messages in all) and one user without a mailbox. Each call returns a
// fresh copy.
func Demo() *Tenant {
	t := generate(20240301, []int{900, 700, 500, 400, 300})
	t.Users = append(t.Users, &User{
		ID:                "0b7e3c55-9d8a-4c1e-8f2b-6a4d9e1c3f70",
		DisplayName:       "Build Service",
		UserPrincipalName: "build.service@contoso.onmicrosoft.com",
		BusinessPhones:    []string{},
		NoMailbox:         true,
	})
	return t
}

type profile struct {
	display, given, surname, upn    string
	job, dept, office, mobile, lang string // "" is null
	phones                          []string
}

var profiles = []profile{
	{"Adele Vance", "Adele", "Vance", "AdeleV", "Retail Manager", "Retail", "18/2111", "+1 425 555 0109", "en-US", []string{"+1 425 555 0109"}},
	{"Seán O'Brien", "Seán", "O'Brien", "Sean.OBrien", "Sales Lead", "Sales & Marketing", "", "", "en-IE", []string{}},
	{"Zoë Müller", "Zoë", "Müller", "ZoeM", "Ingénieure", "R&D", "Berlin 3/14", "+49 30 1234567", "de-DE", []string{"+49 30 7654321"}},
	{"田中 太郎", "太郎", "田中", "TaroT", "", "", "Tokyo", "", "ja-JP", []string{}},
	{"Megan Bowen", "Megan", "Bowen", "MeganB", "Marketing Manager", "Marketing", "12/1110", "+1 412 555 0109", "", []string{"+1 412 555 0109"}},
	{"Lee Gu", "Lee", "Gu", "LeeG", "Director", "Manufacturing", "23/3101", "+1 913 555 0101", "en-US", []string{"+1 913 555 0101", "+1 913 555 0102"}},
	{"Grady Archie", "Grady", "Archie", "GradyA", "Designer", "Research & Development", "19/2109", "", "en-US", []string{"+1 309 555 0104"}},
	{"Diego Siciliani", "Diego", "Siciliani", "DiegoS", "HR Manager", "HR", "14/1108", "+1 205 555 0108", "es-ES", []string{"+1 205 555 0108"}},
}

var externals = []Recipient{
	{"Dana Swope", "danas@contoso.onmicrosoft.com"},
	{"Miriam Graham", "MiriamG@fabrikam.com"},
	{"Jürgen Groß", "juergen.gross@beispiel.de"},
	{"Élodie Dubois", "elodie.dubois@exemple.fr"},
	{"山田 花子", "hanako.yamada@example.jp"},
	{"Patrick O'Neil", "patrick.oneil@oneil-co.com"},
	{"Microsoft Planner", "noreply@Planner.Office365.com"},
	{"100% Deals", "deals_100@shop.example.com"},
	{"Rob_Young", "rob_young@northwind.example"},
	{"GitHub", "notifications@github.com"},
	{"Sam Lee 🎸", "sam@music.example"},
	{"ALICE SMITH", "Alice.Smith@Fabrikam.com"},
}

var subjects = []string{
	"Budget review Q%d",
	"Let's meet for lunch?",
	"50%% off — today only",
	"Update on project_x build %d",
	"Café meeting at 3pm",
	"Straßenfest am Samstag",
	"日本語のテスト %d",
	"🎉 Party on Friday",
	`Quote: "hello world"`,
	"O'Brien's report #%d",
	"Weekly digest #%d",
	"Holiday hours update",
	"Invoice %d",
	"Status: build_%d passed",
	"Résumé attached",
	"Mixed CASE Subject",
	"naïve question about 100%% coverage",
	"Reminder - please bring laptop",
	"[External] Security alert",
	"Lunch & learn: Go generics",
	"Ünïcödé ✓ test %d",
	"it''s two quotes",
	"Plan for Q%d 2025",
	"Sam's 🎸 lesson %d",
	"under_score and per%%cent",
}

var sentences = []string{
	"Please find the numbers for next quarter below.",
	"Can we move the meeting to Thursday?",
	"The new cafeteria is open.",
	"Don't forget the budget deadline.",
	"I've attached the draft for review.",
	"Let's discuss this at the next stand-up.",
	"Das Straßenfest beginnt um 10 Uhr.",
	"会議は明日です。",
	"Merci pour votre réponse rapide.",
	"Our 50% discount ends tonight!",
	"The build for project_x passed all checks.",
	"See you there 🎉",
	"O'Brien said it's fine.",
	"Quarterly revenue grew by 12%.",
	"The pipeline is green again.",
	"Bring your laptop & charger.",
	"Zoë will present the roadmap.",
	"The invoice is overdue by 30 days.",
	"Reply with \"yes\" to confirm.",
	"Café au lait for everyone.",
}

var categoryPool = []string{
	"Red category", "Blue category", "Green category", "Yellow category",
	"Purple category", "Orange category", "Projet été", "VIP's", "Follow_up 100%",
}

var fileKinds = []struct{ name, ctype string }{
	{"Budget Q3.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	{"report_final (1).pdf", "application/pdf"},
	{"Résumé.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"notes.txt", "text/plain"},
	{"日本語.txt", "text/plain"},
	{"100% plan.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
	{"photo.jpg", "image/jpeg"},
}

// folder layout: name, well-known name, parent index (-1 = root), hidden,
// weight (per mille of the messages).
type folderSpec struct {
	name, wk string
	parent   int
	hidden   bool
	weight   int
}

var folderSpecs = func() []folderSpec {
	s := []folderSpec{
		{"Archive", "archive", -1, false, 30},                         // 0
		{"Conversation History", "conversationhistory", -1, false, 0}, // 1
		{"Deleted Items", "deleteditems", -1, false, 50},              // 2
		{"Drafts", "drafts", -1, false, 30},                           // 3
		{"Inbox", "inbox", -1, false, 380},                            // 4
		{"Junk Email", "junkemail", -1, false, 20},                    // 5
		{"Outbox", "outbox", -1, false, 5},                            // 6
		{"Sent Items", "sentitems", -1, false, 180},                   // 7
		{"Receipts", "", -1, false, 15},                               // 8
		{"Travel ✈️", "", -1, false, 10},                              // 9
		{"Clients O'Neil & Co", "", -1, false, 10},                    // 10
		{"Sync Issues", "syncissues", -1, true, 2},                    // 11
		{"Conflicts", "conflicts", 11, false, 2},                      // 12
		{"Projects", "", 4, false, 50},                                // 13
		{"2024", "", 13, false, 40},                                   // 14
		{"2025", "", 13, false, 40},                                   // 15
		{"Newsletters", "", 4, false, 60},                             // 16
		{"Réunions 日本", "", 4, false, 16},                             // 17
	}
	for y := 2013; y <= 2024; y++ {
		s = append(s, folderSpec{fmt.Sprint(y), "", 0, false, 5})
	}
	return s
}()

const (
	fiDrafts = 3
	fiSent   = 7
	fiJunk   = 5
)

type gen struct {
	r      *rand.Rand
	seed   uint64
	t      *Tenant
	domain string
	big    bool // the >3 MB attachment is made
	// Pools of shared strings keep 100,000-message mailboxes small.
	subjects, reSubjects []string
	bodies, replies      []bodyEntry
}

type bodyEntry struct{ body, unique, preview string }

const bodyHead = "<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n</head>\r\n<body>\r\n"

func (g *gen) pools() {
	for _, s := range subjects {
		if strings.Contains(s, "%d") {
			for n := 1; n <= 8; n++ {
				g.subjects = append(g.subjects, fmt.Sprintf(s, n))
			}
		} else {
			g.subjects = append(g.subjects, strings.ReplaceAll(s, "%%", "%"))
		}
	}
	for _, s := range g.subjects {
		g.reSubjects = append(g.reSubjects, "Re: "+s)
	}
	names := []string{"there", "Adele", "Seán", "Zoë", "太郎", "Megan", "Dana", "Jürgen", "Élodie", "Patrick", "team", "ALICE"}
	para := func() string {
		return "<p>Hi " + html.EscapeString(names[g.r.IntN(len(names))]) + ",</p>\r\n<p>" +
			html.EscapeString(sentences[g.r.IntN(len(sentences))]) + " " + html.EscapeString(sentences[g.r.IntN(len(sentences))]) +
			"</p>\r\n<p>Thanks,<br>" + html.EscapeString(names[g.r.IntN(len(names))]) + "</p>\r\n"
	}
	for range 512 {
		b := bodyHead + para() + "</body>\r\n</html>\r\n"
		g.bodies = append(g.bodies, bodyEntry{body: b, preview: previewOf(b)})
	}
	for range 256 {
		u := para()
		b := bodyHead + u + "<hr>\r\n<p>" + html.EscapeString(sentences[g.r.IntN(len(sentences))]) + "</p>\r\n</body>\r\n</html>\r\n"
		g.replies = append(g.replies, bodyEntry{body: b, unique: bodyHead + u + "</body>\r\n</html>\r\n", preview: previewOf(b)})
	}
}

func generate(seed int64, counts []int) *Tenant {
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)), seed: uint64(seed)}
	g.domain = "contoso.onmicrosoft.com"
	g.t = &Tenant{ID: g.guid(), Name: "contoso", Domain: g.domain}
	g.pools()
	for i := range counts {
		g.t.Users = append(g.t.Users, g.user(i))
	}
	for i, u := range g.t.Users {
		g.mailbox(i, u, counts[i])
	}
	genSettings(g.seed, g.t)
	return g.t
}

func (g *gen) guid() string {
	a, b := g.r.Uint64(), g.r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (g *gen) user(i int) *User {
	var p profile
	if i < len(profiles) {
		p = profiles[i]
	} else {
		n := fmt.Sprint(i + 1)
		p = profile{"Test User " + n, "Test", "User " + n, "TestUser" + n, "Tester", "QA", "", "", "en-US", []string{}}
	}
	upn := p.upn + "@" + g.domain
	return &User{
		ID: g.guid(), DisplayName: p.display, GivenName: opt(p.given), Surname: opt(p.surname),
		Mail: opt(upn), UserPrincipalName: upn, JobTitle: opt(p.job), Department: opt(p.dept),
		OfficeLocation: opt(p.office), MobilePhone: opt(p.mobile), PreferredLanguage: opt(p.lang),
		BusinessPhones: p.phones,
	}
}

// id builds a URL-safe base64 id whose text starts with prefix's encoding
// (3 bytes: "AAMk" messages, "AQMk" folders, "AAQk" conversations).
func (g *gen) id(prefix [3]byte, n int, a, b uint64) string {
	buf := make([]byte, 3+n)
	copy(buf, prefix[:])
	h := splitmix(g.seed ^ a*0x9e3779b97f4a7c15 ^ b)
	for i := 3; i < len(buf); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], h)
		copy(buf[i:], w[:])
		h = splitmix(h)
	}
	return base64.URLEncoding.EncodeToString(buf)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var (
	msgPrefix  = [3]byte{0x00, 0x03, 0x24} // "AAMk"
	fldPrefix  = [3]byte{0x01, 0x03, 0x24} // "AQMk"
	convPrefix = [3]byte{0x00, 0x04, 0x24} // "AAQk"
)

func (g *gen) mailbox(ui int, u *User, count int) {
	uk := uint64(ui+1) << 40
	u.RootFolderID = g.id(fldPrefix, 41, uk, 1<<32)
	folders := make([]*Folder, len(folderSpecs))
	for i, s := range folderSpecs {
		f := &Folder{ID: g.id(fldPrefix, 41, uk, 1<<32+uint64(i)+1), DisplayName: s.name, WellKnownName: s.wk, IsHidden: s.hidden}
		if s.parent < 0 {
			f.ParentFolderID = u.RootFolderID
		} else {
			f.ParentFolderID = folders[s.parent].ID
		}
		folders[i] = f
	}
	u.Folders = folders
	var cum []int
	total := 0
	for _, s := range folderSpecs {
		total += s.weight
		cum = append(cum, total)
	}
	owner := Recipient{u.DisplayName, u.UserPrincipalName}
	var contacts []Recipient
	for _, o := range g.t.Users {
		if o != u {
			contacts = append(contacts, Recipient{o.DisplayName, o.UserPrincipalName})
		}
	}
	contacts = append(contacts, externals...)
	// Generated messages share these values: replace them, do not mutate.
	ownerP := &owner
	contactP := make([]*Recipient, len(contacts))
	single := make([][]Recipient, len(contacts))
	for i := range contacts {
		contactP[i] = &contacts[i]
		single[i] = contacts[i : i+1 : i+1]
	}
	ownerOnly := []Recipient{owner}
	none := []Recipient{}
	flagNone := Flag{Status: "notFlagged"}
	noHeaders := []Header{}
	noCats := []string{}
	u.Messages = make([]*Message, count)
	msgs := make([]Message, count) // one allocation for all
	var convs []string
	span := int64(genEnd.Sub(genStart) / time.Second)
	for i := range count {
		m := &msgs[i]
		u.Messages[i] = m
		m.ID = g.id(msgPrefix, 41, uk, uint64(i))
		fi := 4 // inbox
		switch {
		case i == 0 || i == 1 || i == 2:
			fi = 4
		case i == 3:
			fi = fiDrafts
		default:
			x := g.r.IntN(total)
			for j, c := range cum {
				if x < c {
					fi = j
					break
				}
			}
		}
		m.ParentFolderID = folders[fi].ID
		recv := genStart.Add(time.Duration(g.r.Int64N(span)) * time.Second)
		reply := g.r.IntN(5) == 0 && len(convs) > 0
		si := g.r.IntN(len(g.subjects))
		subj := g.subjects[si]
		if reply {
			subj = g.reSubjects[si]
			m.ConversationID = convs[g.r.IntN(len(convs))]
		} else {
			m.ConversationID = g.id(convPrefix, 29, uk|1<<39, uint64(i))
			if len(convs) < 64 {
				convs = append(convs, m.ConversationID)
			} else {
				convs[g.r.IntN(64)] = m.ConversationID
			}
		}
		m.Subject = subj
		fromI := g.r.IntN(len(contacts))
		from := contactP[fromI]
		to := ownerOnly
		switch fi {
		case fiSent, 6: // sent items, outbox
			to = single[fromI]
			if g.r.IntN(3) == 0 {
				to = []Recipient{contacts[fromI], contacts[g.r.IntN(len(contacts))]}
			}
			from = ownerP
		case fiJunk:
			from = contactP[len(contacts)-len(externals)+g.r.IntN(len(externals))]
		}
		if g.r.IntN(4) == 0 && fi != fiSent && fi != 6 {
			to = []Recipient{owner, contacts[g.r.IntN(len(contacts))]}
		}
		m.ToRecipients = to
		m.CcRecipients, m.BccRecipients, m.ReplyTo = none, none, none
		if g.r.IntN(10) < 3 {
			m.CcRecipients = single[g.r.IntN(len(contacts))]
		}
		if fi == fiSent && g.r.IntN(8) == 0 {
			m.BccRecipients = single[g.r.IntN(len(contacts))]
		}
		if g.r.IntN(10) == 0 {
			m.ReplyTo = single[g.r.IntN(len(contacts))]
		}
		if reply {
			e := g.replies[g.r.IntN(len(g.replies))]
			m.Body = ItemBody{"html", e.body}
			m.UniqueBody = &ItemBody{"html", e.unique}
			m.BodyPreview = e.preview
		} else {
			e := g.bodies[g.r.IntN(len(g.bodies))]
			m.Body = ItemBody{"html", e.body}
			m.BodyPreview = e.preview
		}
		m.Importance = "normal"
		if x := g.r.IntN(100); x < 12 {
			m.Importance = "high"
		} else if x < 20 {
			m.Importance = "low"
		}
		m.InferenceClassification = "focused"
		if g.r.IntN(4) == 0 {
			m.InferenceClassification = "other"
		}
		m.IsRead = g.r.IntN(10) < 7
		m.IsReadReceiptRequested = g.r.IntN(20) == 0
		m.IsDeliveryReceiptRequested = g.r.IntN(30) == 0
		switch x := g.r.IntN(100); {
		case x < 10 || i == 1:
			s, d := recv, recv.Add(7*24*time.Hour)
			m.Flag = Flag{Status: "flagged", Start: &s, Due: &d}
		case x < 15 || i == 2:
			s, d, c := recv, recv.Add(7*24*time.Hour), recv.Add(2*24*time.Hour)
			m.Flag = Flag{Status: "complete", Start: &s, Due: &d, Completed: &c}
		default:
			m.Flag = flagNone
		}
		if g.r.IntN(100) < 18 || i == 0 {
			m.Categories = []string{categoryPool[g.r.IntN(len(categoryPool))]}
			if g.r.IntN(3) == 0 {
				if c := categoryPool[g.r.IntN(len(categoryPool))]; c != m.Categories[0] {
					m.Categories = append(m.Categories, c)
				}
			}
		} else {
			m.Categories = noCats
		}
		m.ReceivedDateTime = recv
		m.SentDateTime = recv.Add(-time.Duration(5+g.r.IntN(600)) * time.Second)
		m.CreatedDateTime = recv
		m.LastModifiedDateTime = recv
		if g.r.IntN(5) == 0 {
			m.LastModifiedDateTime = recv.Add(time.Duration(g.r.IntN(30*86400)) * time.Second)
		}
		if fi == fiSent {
			m.CreatedDateTime = m.SentDateTime
			m.IsRead = true
		}
		if fi == fiDrafts {
			m.IsDraft = true
			m.IsRead = true
			m.SentDateTime = recv
			m.LastModifiedDateTime = recv.Add(time.Duration(g.r.IntN(86400)) * time.Second)
			if g.r.IntN(10) < 7 || i == 3 {
				from = nil
			} else {
				from = ownerP
			}
		}
		m.From, m.Sender = from, from
		if from != nil && g.r.IntN(20) == 0 && fi != fiSent {
			m.Sender = contactP[g.r.IntN(len(contacts))]
		}
		h := splitmix(uint64(i) ^ uk ^ g.seed)
		m.InternetMessageID = fmt.Sprintf("<%016x%04x@MWHPR11MB%04d.namprd11.prod.outlook.com>", h, ui, i%10000)
		m.ChangeKey = "CQAAABYAAAC" + base64.StdEncoding.EncodeToString(binary.LittleEndian.AppendUint64(nil, splitmix(h)))[:11] + "AAAA"
		if !m.IsDraft {
			m.InternetMessageHeaders = []Header{
				{"MIME-Version", "1.0"},
				{"Content-Type", "text/html; charset=\"utf-8\""},
				{"Message-ID", m.InternetMessageID},
			}
		} else {
			m.InternetMessageHeaders = noHeaders
		}
		g.attachments(ui, i, m)
	}
	// The first two ids differ only by the case of one letter.
	if count >= 2 && ui == 0 {
		id := []byte(u.Messages[0].ID)
		for j := 20; j < len(id); j++ {
			c := id[j]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				id[j] ^= 0x20
				break
			}
		}
		u.Messages[1].ID = string(id)
	}
}

func (g *gen) attachments(ui, i int, m *Message) {
	forced := ""
	switch i {
	case 4:
		forced = "file"
	case 5:
		forced = "inline"
	case 6:
		forced = "item"
	case 7:
		forced = "reference"
	case 8:
		if ui == 0 && !g.big {
			forced = "big"
		}
	}
	if forced == "" && g.r.IntN(100) >= 10 {
		return
	}
	n := 1
	if forced == "" && g.r.IntN(4) == 0 {
		n = 2
	}
	mod := m.LastModifiedDateTime
	for k := range n {
		kind := forced
		if kind == "" || k > 0 {
			switch x := g.r.IntN(100); {
			case x < 45:
				kind = "file"
			case x < 65:
				kind = "inline"
			case x < 82:
				kind = "item"
			default:
				kind = "reference"
			}
		}
		a := &Attachment{ID: g.id(msgPrefix, 62, uint64(ui+1)<<40|1<<38, uint64(i)<<4|uint64(k)), LastModified: mod}
		switch kind {
		case "file":
			fk := fileKinds[g.r.IntN(len(fileKinds))]
			a.Kind, a.Name, a.ContentType = "file", fk.name, fk.ctype
			a.Content = g.bytes(100+g.r.IntN(1200), strings.HasPrefix(fk.ctype, "text/"))
			a.Size = len(a.Content)
		case "inline":
			a.Kind, a.Name, a.ContentType = "file", fmt.Sprintf("image%03d.png", k+1), "image/png"
			a.ContentID = fmt.Sprintf("image%03d.png@01DA%04X.%08X", k+1, i%0x10000, uint32(splitmix(uint64(i))))
			a.IsInline = true
			a.Content = append([]byte("\x89PNG\r\n\x1a\n"), g.bytes(50+g.r.IntN(400), false)...)
			a.Size = len(a.Content)
			m.Body.Content = strings.Replace(m.Body.Content, "</body>", "<img src=\"cid:"+a.ContentID+"\">\r\n</body>", 1)
			if m.UniqueBody != nil {
				m.UniqueBody = &ItemBody{"html", strings.Replace(m.UniqueBody.Content, "</body>", "<img src=\"cid:"+a.ContentID+"\">\r\n</body>", 1)}
			}
		case "item":
			a.Kind, a.Name = "item", "Fwd: "+subjects[g.r.IntN(len(subjects))%len(subjects)]
			a.Name = strings.ReplaceAll(strings.ReplaceAll(a.Name, "%d", "7"), "%%", "%")
			from := externals[g.r.IntN(len(externals))]
			sent := m.SentDateTime.Add(-48 * time.Hour)
			item := &Message{
				Subject: a.Name[5:], Body: ItemBody{"html", "<html><body><p>" + html.EscapeString(sentences[g.r.IntN(len(sentences))]) + "</p></body></html>"},
				From: &from, Sender: &from, ToRecipients: []Recipient{from}, CcRecipients: []Recipient{}, BccRecipients: []Recipient{}, ReplyTo: []Recipient{},
				ReceivedDateTime: sent, SentDateTime: sent, CreatedDateTime: sent, LastModifiedDateTime: sent,
				Importance: "normal", InferenceClassification: "focused", IsRead: true, Flag: Flag{Status: "notFlagged"}, Categories: []string{},
				InternetMessageID:      fmt.Sprintf("<item%d.%d@example.com>", ui, i),
				InternetMessageHeaders: []Header{},
			}
			a.Item = item
			a.Content = []byte(mimeText(item))
			a.Size = len(a.Content) + 2048
		case "reference":
			a.Kind, a.Name = "reference", "Sales Invoice Template.docx"
			a.ContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
			a.Size = 1000 + g.r.IntN(50000)
			a.IsInline = g.r.IntN(2) == 0
		case "big":
			g.big = true
			a.Kind, a.Name, a.ContentType = "file", "big-dataset.bin", "application/octet-stream"
			a.Content = g.bytes(LargeAttachmentSize, false)
			a.Size = len(a.Content)
		}
		m.Attachments = append(m.Attachments, a)
	}
}

// bytes returns n deterministic bytes, printable text when text is true.
func (g *gen) bytes(n int, text bool) []byte {
	b := make([]byte, n)
	x := g.r.Uint64() | 1
	for i := 0; i < n; i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], x)
		copy(b[i:], w[:])
	}
	if text {
		const alphabet = "abcdefghijklmnopqrstuvwxyz  ABCDEF0123456789\n.,"
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
	}
	return b
}

// mimeText renders a message as RFC 822 text (what /$value returns).
func mimeText(m *Message) string {
	var b strings.Builder
	addr := func(r Recipient) string {
		if r.Name == "" {
			return "<" + r.Address + ">"
		}
		return "\"" + r.Name + "\" <" + r.Address + ">"
	}
	list := func(rs []Recipient) string {
		s := make([]string, len(rs))
		for i, r := range rs {
			s[i] = addr(r)
		}
		return strings.Join(s, ", ")
	}
	if m.From != nil {
		b.WriteString("From: " + addr(*m.From) + "\r\n")
	}
	if len(m.ToRecipients) > 0 {
		b.WriteString("To: " + list(m.ToRecipients) + "\r\n")
	}
	if len(m.CcRecipients) > 0 {
		b.WriteString("Cc: " + list(m.CcRecipients) + "\r\n")
	}
	b.WriteString("Subject: " + m.Subject + "\r\n")
	b.WriteString("Date: " + m.SentDateTime.Format(time.RFC1123Z) + "\r\n")
	if m.InternetMessageID != "" {
		b.WriteString("Message-ID: " + m.InternetMessageID + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/" + strings.ToLower(m.Body.ContentType) + "; charset=\"utf-8\"\r\n")
	b.WriteString("Content-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(m.Body.Content)
	return b.String()
}

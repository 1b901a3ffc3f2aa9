package ui

import (
	"cmp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"idlebell/i18n"
	"idlebell/settings"
)

// accountForm is the form of one account: every key of its [[account]]
// block, in sections. It edits an accountEdit and lives on the Fyne
// goroutine.
type accountForm struct {
	s *settingsWindow
	e *accountEdit

	fields map[string]*field // by config key; "sign_in_button" for the button row
	box    *fyne.Container

	security  *fieldSelect
	signIn    *fieldSelect
	hookShell *fieldSelect
	signInBtn *widget.Button
	test      *connectionTest

	building bool // widgets are being filled in: their callbacks change nothing
}

// newAccountForm builds the form for e.
func newAccountForm(s *settingsWindow, e *accountEdit) *accountForm {
	f := &accountForm{s: s, e: e, fields: map[string]*field{}, building: true}
	defer func() { f.building = false }()
	a := &e.acct

	server := f.section(i18n.T("Server"),
		f.entry("name", i18n.T("Account name"), i18n.T("Shown in the tray menu and in bubbles."), a.Name, func(v string) {
			a.Name = v
			s.list.refresh()
		}),
		f.check("enabled", i18n.T("Watch this account"), i18n.T("Untick to keep the account without connecting."), a.Enabled, func(b bool) {
			a.Enabled = b
			s.list.refresh()
		}),
		f.entry("host", i18n.T("Server"), i18n.T("The IMAP server, such as imap.example.org."), a.Host, func(v string) {
			a.Host = strings.TrimSpace(v)
			f.security.relabel() // None reads differently for this computer
			f.fields["security"].hint = securityHint(a.Security, a.Host)
		}),
		f.entry("port", i18n.T("Port"), i18n.T("Usually 993 for SSL/TLS, 143 for STARTTLS."), portText(a.Port), func(v string) { a.Port = parsePort(v) }),
		f.securityRow(),
		f.check("allow_plaintext", i18n.T("Allow sending the password unencrypted"), i18n.T("Only on a network you trust."), a.AllowPlaintext, func(b bool) { a.AllowPlaintext = b }),
		f.entry("tls_ca_file", i18n.T("Extra CA certificate"), i18n.T("Optional: a PEM file, for a server whose certificate authority this computer does not know."), a.TLSCAFile, func(v string) { a.TLSCAFile = strings.TrimSpace(v) }),
		f.entry("tls_fingerprint", i18n.T("Trusted certificate"), i18n.T("Optional: the SHA-256 fingerprint of a certificate you trust. Test connection fills it in."), a.TLSFingerprint, func(v string) { a.TLSFingerprint = strings.TrimSpace(v) }),
	)
	login := f.section(i18n.T("Login"), f.loginRows()...)
	folders := f.section(i18n.T("Folders"),
		f.multiLine("mailboxes", i18n.T("Folders"), i18n.T("One per line; INBOX is your inbox."), strings.Join(a.Mailboxes, "\n"), func(v string) { a.Mailboxes = lines(v) }),
		f.entry("max_connections", i18n.T("Connections"), i18n.T("Folders watched live, at most (1 to 10); the rest are checked at the poll interval."), strconv.Itoa(a.MaxConnections), func(v string) { a.MaxConnections = parseInt(v) }),
		f.entry("poll_interval", i18n.T("Poll interval"), i18n.T("How often to check a server without IDLE, such as 2m (at least 15s)."), a.PollInterval.String(), func(v string) { a.PollInterval = parseDuration(v) }),
	)
	f.hookShell = newFieldSelect(hookShellValues, hookShellLabel, func(v string) { a.HookShell = v; f.changed("hook_shell") })
	shell := a.HookShell
	f.hookShell.SetValue(cmp.Or(shell, settings.HookShellPowerShell)) // "" runs PowerShell: show it so
	a.HookShell = shell                                               // and leave the file's value as it is
	notify := f.section(i18n.T("Notifications"),
		f.check("notify", i18n.T("Show bubbles for this account"), "", a.Notify, func(b bool) { a.Notify = b }),
		f.entry("open_command", i18n.T("Open command"), i18n.T("What a click on a bubble runs. Empty: the one on the General tab."), a.OpenCommand, func(v string) { a.OpenCommand = v }),
		f.entry("on_new_mail", i18n.T("Command per mail"), i18n.T("Optional: runs for each new mail (see the README for its variables)."), a.OnNewMail, func(v string) { a.OnNewMail = v }),
		f.entry("on_new_mail_batch", i18n.T("Command per batch"), i18n.T("Optional: runs once for mail that arrives together."), a.OnNewMailBatch, func(v string) { a.OnNewMailBatch = v }),
		f.entry("hook_timeout", i18n.T("Command time limit"), i18n.T("A command running longer is stopped, such as 60s."), a.HookTimeout.String(), func(v string) { a.HookTimeout = parseDuration(v) }),
		f.add(newField("hook_shell", i18n.T("Command shell"), f.hookShell, i18n.T("Windows only: what runs the commands."))),
	)
	cells := alignLabels(f.ordered())
	var cards []fyne.CanvasObject
	for _, sec := range []*formSection{server, login, folders, notify} {
		// All rows at once: a container laid out while it is still empty
		// and narrow measures every wrapped hint at width 0.
		var objs []fyne.CanvasObject
		for _, fl := range sec.fields {
			cell := container.NewVBox(fl.input, fl.help)
			fl.row = []fyne.CanvasObject{cells[fl], cell}
			objs = append(objs, cells[fl], cell)
		}
		cards = append(cards, widget.NewCard(sec.title, "", container.New(layout.NewFormLayout(), objs...)))
	}
	f.test = newConnectionTest(s, f)
	f.box = container.NewVBox(cards[0], cards[1], f.test.box, cards[2], cards[3])
	f.updateAuthRows()
	f.updatePasswordHint()
	if s.readOnly {
		for _, fl := range f.fields {
			if d, ok := fl.input.(fyne.Disableable); ok {
				d.Disable()
			}
		}
	}
	return f
}

// formSection is one card of the form.
type formSection struct {
	title  string
	fields []*field
}

func (f *accountForm) section(title string, fields ...*field) *formSection {
	return &formSection{title: title, fields: fields}
}

// ordered is every field, in the form's order.
func (f *accountForm) ordered() []*field {
	out := make([]*field, 0, len(f.fields))
	for _, fl := range f.fields {
		out = append(out, fl)
	}
	return out
}

func (f *accountForm) add(fl *field) *field {
	f.fields[fl.key] = fl
	fl.help.tips = f.s.tips
	if h := focusOf(fl.input); h != nil {
		key := fl.key
		h.entered = func(o fyne.CanvasObject) { f.s.ensureVisible(o); fl.showTip() }
		h.left = func() { fl.hideTip(); f.left(key) }
	}
	return fl
}

// focusOf returns the focus hooks of an input, if it has them.
func focusOf(o fyne.CanvasObject) *focusHooks {
	switch w := o.(type) {
	case *fieldEntry:
		return &w.focusHooks
	case *fieldCheck:
		return &w.focusHooks
	case *fieldSelect:
		return &w.focusHooks
	}
	return nil
}

func (f *accountForm) entry(key, label, hint, value string, set func(string)) *field {
	return f.text(newFieldEntry(), key, label, hint, value, set)
}

func (f *accountForm) multiLine(key, label, hint, value string, set func(string)) *field {
	return f.text(newFieldMultiLine(3), key, label, hint, value, set)
}

// text is a row whose input is the entry e; set takes each edit.
func (f *accountForm) text(e *fieldEntry, key, label, hint, value string, set func(string)) *field {
	e.SetText(value)
	e.OnChanged = func(v string) {
		if !f.building {
			set(v)
			f.changed(key)
		}
	}
	return f.add(newField(key, label, e, hint))
}

// check is a row whose input is a check box; its label is the box's own.
func (f *accountForm) check(key, text, hint string, value bool, set func(bool)) *field {
	c := newFieldCheck(text, nil)
	c.SetChecked(value)
	c.OnChanged = func(b bool) {
		if !f.building {
			set(b)
			f.changed(key)
		}
	}
	return f.add(newField(key, "", c, hint))
}

func (f *accountForm) securityRow() *field {
	a := &f.e.acct
	f.security = newFieldSelect(securityValues, func(v string) string { return securityLabel(v, a.Host) }, func(v string) {
		if f.building || a.Security == v {
			return
		}
		// The port follows when it was the old setting's usual one.
		if a.Port == settings.DefaultPort(a.Security) || a.Port == 0 {
			a.Port = settings.DefaultPort(v)
			f.setText("port", portText(a.Port))
		}
		a.Security = v
		f.fields["security"].hint = securityHint(v, a.Host)
		f.changed("security")
	})
	f.security.SetValue(a.Security)
	return f.add(newField("security", i18n.T("Security"), f.security, securityHint(a.Security, a.Host)))
}

// setText changes an entry without reporting it as typed.
func (f *accountForm) setText(key, v string) {
	if e, ok := f.fields[key].input.(*fieldEntry); ok {
		building := f.building
		f.building = true
		e.SetText(v)
		f.building = building
	}
}

// changed is an edit of key by the user.
func (f *accountForm) changed(key string) {
	if f.building {
		return
	}
	f.s.changed()
}

// left is the user leaving a field: its problems show from now on.
func (f *accountForm) left(key string) {
	if f.e.touched[key] {
		return
	}
	f.e.touched[key] = true
	f.s.validate()
}

// showProblems puts each problem of this account under its field, if the
// field was left (or Save was pressed) and is visible; it returns those it
// could not place.
func (f *accountForm) showProblems(problems []settings.Problem, all bool) (elsewhere []settings.Problem) {
	byField := map[string][]string{}
	for _, p := range problems {
		key := p.Field
		if key == "oauth_provider" {
			key = "auth"
		}
		fl := f.fields[key]
		if fl == nil || !fl.visible() {
			elsewhere = append(elsewhere, p)
			continue
		}
		if all || f.e.touched[key] {
			byField[key] = append(byField[key], problemText(p, withPreset(f.e.acct), f.s.general))
		}
	}
	for key, fl := range f.fields {
		fl.setProblem(strings.Join(byField[key], " "))
	}
	return elsewhere
}

func portText(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}

// parsePort reads the Port field: empty is 0 (the provider's, or reported),
// anything not a number -1 (reported).
func parsePort(v string) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	return parseInt(v)
}

func parseInt(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return -1
	}
	return n
}

// parseDuration reads a time such as "2m"; a bare number is seconds.
func parseDuration(v string) settings.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		return settings.Duration{Duration: time.Duration(n) * time.Second}
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		d = -1
	}
	return settings.Duration{Duration: d}
}

// lines splits the Folders field: one name per line, blanks dropped.
func lines(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimFunc(l, unicode.IsSpace); l != "" {
			out = append(out, l)
		}
	}
	return out
}

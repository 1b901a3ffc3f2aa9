package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"idlebell/explain"
	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// settingsWindow edits a copy of the config: a list of accounts, a form per
// account grouped as server, login, folders, notifications, and the global
// options. Everything here runs on the Fyne goroutine; keyring calls, Save
// and Test connection run in goroutines and report back with fyne.Do.
type settingsWindow struct {
	t   *windows
	w   fyne.Window
	o   Options
	do  func(func()) // fyne.Do; inline in tests
	cfg *settings.Config

	// Per account, parallel to cfg.Accounts.
	origNames []string // name when loaded; "" for new accounts (for Secrets.Rename)
	passwords []string // typed, not yet saved; "" = unchanged
	hasSecret []bool   // the keyring holds a password
	removed   []string // saved accounts removed: their keyring entries go on Save

	selected  int
	dirty     bool
	autostart bool

	// Widgets kept for tests and updates.
	list      *widget.List
	formBox   *fyne.Container
	fields    map[string]*formField           // of the selected account, by TOML key
	rows      map[string][2]fyne.CanvasObject // label and cell of each row, by key
	authSel   *widget.Select
	signInBtn *widget.Button
	global    map[string]*formField
	save      *widget.Button
	test      *widget.Button
	remove    *widget.Button
	status    *widget.Label
	progress  *widget.ProgressBarInfinite
	trust     *widget.Button
	testFP    string
	testRun   int // ignores answers of superseded tests
	readOnly  bool
	startAtIn *widget.Check
	building  bool // widgets are being filled in: their callbacks change nothing
}

// formField is one input with its validation message underneath.
type formField struct {
	input fyne.CanvasObject
	entry *widget.Entry // nil for checks and selects
	msg   *widget.Label
}

func (f *formField) setMessage(s string) {
	f.msg.SetText(s)
	if s == "" {
		f.msg.Hide()
	} else {
		f.msg.Show()
	}
}

func newSettingsWindow(t *windows, o Options, do func(func())) *settingsWindow {
	s := &settingsWindow{t: t, o: o, do: do, readOnly: o.ConfigPath == ""}
	s.w = t.app.NewWindow("idlebell settings")
	s.w.SetCloseIntercept(func() { t.closed(s.w) }) // the process ends with its last window
	s.load(o.Config)
	s.build()
	s.w.Resize(fyne.NewSize(820, 640))
	return s
}

// load takes a fresh copy of cfg and forgets unsaved edits.
func (s *settingsWindow) load(cfg *settings.Config) {
	if cfg == nil {
		cfg = settings.Default()
	}
	s.cfg = cfg.Clone()
	n := len(s.cfg.Accounts)
	s.origNames = make([]string, n)
	s.passwords = make([]string, n)
	s.hasSecret = make([]bool, n)
	for i, a := range s.cfg.Accounts {
		s.origNames[i] = a.Name
	}
	s.removed = nil
	s.dirty = false
	s.autostart = autostartEnabled(s.o.Autostart)
	if s.selected >= n {
		s.selected = n - 1
	}
	if s.selected < 0 && n > 0 {
		s.selected = 0
	}
	s.lookupSecrets()
}

// lookupSecrets asks the keyring, off the Fyne goroutine, which accounts
// have a password, so the form can say "set" without ever showing it.
func (s *settingsWindow) lookupSecrets() {
	if s.o.Secrets == nil {
		return
	}
	for i, a := range s.cfg.Accounts {
		if a.PasswordCommand != "" || a.Name == "" || a.UsesOAuth2() {
			continue
		}
		name, cfg := a.Name, s.cfg
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := s.o.Secrets.Get(ctx, name)
			s.do(func() {
				if s.cfg != cfg || i >= len(s.hasSecret) {
					return // reloaded meanwhile
				}
				s.hasSecret[i] = err == nil
				if i == s.selected {
					s.updatePasswordHint()
				}
			})
		}()
	}
}

// configChanged is a reload from disk (our own Save included). Unsaved
// edits win: they are kept, and Save will overwrite the file.
func (s *settingsWindow) configChanged(cfg *settings.Config) {
	if s.dirty {
		return
	}
	s.load(cfg)
	s.list.Refresh()
	s.showAccount(s.selected)
}

func (s *settingsWindow) build() {
	s.building = true
	s.list = widget.NewList(
		func() int { return len(s.cfg.Accounts) },
		func() fyne.CanvasObject { return widget.NewLabel("account name template") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			a := s.cfg.Accounts[id]
			label := a.Name
			if label == "" {
				label = "(unnamed)"
			}
			if !a.Enabled {
				label += " (disabled)"
			}
			o.(*widget.Label).SetText(label)
		},
	)
	s.list.OnSelected = func(id widget.ListItemID) {
		if id != s.selected {
			s.showAccount(id)
		}
	}
	add := widget.NewButton("Add", s.addAccount)
	s.remove = widget.NewButton("Remove…", s.confirmRemove)
	left := container.NewBorder(nil, container.NewGridWithColumns(2, add, s.remove), nil, nil, s.list)

	s.formBox = container.NewVBox()
	accounts := container.NewHSplit(left, container.NewVScroll(s.formBox))
	accounts.Offset = 0.25

	tabs := container.NewAppTabs(
		container.NewTabItem("Accounts", accounts),
		container.NewTabItem("General", container.NewVScroll(s.buildGlobal())),
	)

	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.progress = widget.NewProgressBarInfinite()
	s.progress.Stop()
	s.progress.Hide()
	s.trust = widget.NewButton("Trust this certificate", s.trustCertificate)
	s.trust.Hide()
	s.test = widget.NewButton("Test connection", s.testConnection)
	s.save = widget.NewButton("Save", s.doSave)
	s.save.Importance = widget.HighImportance
	closeBtn := widget.NewButton("Close", func() { s.t.closed(s.w) })
	buttons := container.NewHBox(s.test, layout.NewSpacer(), closeBtn, s.save)
	bottom := container.NewVBox(s.progress, container.NewBorder(nil, nil, nil, s.trust, s.status), buttons)

	var top fyne.CanvasObject
	if s.readOnly {
		note := widget.NewLabel("Demo mode: these are the demo's settings, shown read-only. Run idlebell without --demo to set up your own accounts.")
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		top = note
	}
	s.w.SetContent(container.NewBorder(top, container.NewPadded(bottom), nil, nil, tabs))
	s.building = false
	s.showAccount(s.selected)
}

// buildGlobal is the General tab: the [notifications] table and Start at login.
func (s *settingsWindow) buildGlobal() fyne.CanvasObject {
	s.global = map[string]*formField{}
	n := &s.cfg.Notifications
	preview := widget.NewCheck("Show a preview line in bubbles", func(b bool) {
		s.cfg.Notifications.Preview = b
		s.changed()
	})
	preview.SetChecked(n.Preview)
	maxB := widget.NewEntry()
	maxB.SetText(strconv.Itoa(n.MaxBubbles))
	maxB.OnChanged = func(v string) {
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			i = 0
		}
		s.cfg.Notifications.MaxBubbles = i
		s.changed()
	}
	open := widget.NewEntry()
	open.SetPlaceHolder("empty: the desktop's mail handler (xdg-open mailto:)")
	open.SetText(n.OpenCommand)
	open.OnChanged = func(v string) { s.cfg.Notifications.OpenCommand = v; s.changed() }

	s.startAtIn = widget.NewCheck("Start idlebell when I log in", func(b bool) {
		s.autostart = b
		s.changed()
	})
	s.startAtIn.SetChecked(s.autostart)
	startNote := autostartNote(s.o.Autostart)
	if startNote != "" {
		s.startAtIn.Disable()
	}

	form := container.New(layout.NewFormLayout())
	add := func(key, label string, in fyne.CanvasObject, entry *widget.Entry, hint string) {
		f := &formField{input: in, entry: entry, msg: widget.NewLabel("")}
		f.msg.Importance = widget.DangerImportance
		f.msg.Wrapping = fyne.TextWrapWord
		f.msg.Hide()
		s.global[key] = f
		parts := []fyne.CanvasObject{in}
		if hint != "" {
			h := widget.NewLabel(hint)
			h.Wrapping = fyne.TextWrapWord
			h.Importance = widget.LowImportance
			parts = append(parts, h)
		}
		parts = append(parts, f.msg)
		form.Add(widget.NewLabel(label))
		form.Add(container.NewVBox(parts...))
	}
	add("notifications.preview", "Preview", preview, nil, "")
	add("notifications.max_bubbles", "Max bubbles", maxB, maxB, "per account per minute; more become one summary")
	add("notifications.open_command", "Open command", open, open, "what a click on a bubble runs")
	add("start_at_login", "Start at login", s.startAtIn, nil, startNote)
	if s.readOnly {
		preview.Disable()
		maxB.Disable()
		open.Disable()
		s.startAtIn.Disable()
	}
	return container.NewPadded(widget.NewCard("Notifications", "", form))
}

// showAccount builds the form for account i (or a hint when there is none).
func (s *settingsWindow) showAccount(i int) {
	s.building = true
	defer func() { s.building = false }()
	s.selected = i
	s.fields = map[string]*formField{}
	s.rows = map[string][2]fyne.CanvasObject{}
	s.formBox.RemoveAll()
	s.testRun++ // a running test's answer no longer applies
	s.progress.Stop()
	s.progress.Hide()
	s.trust.Hide()
	if i < 0 || i >= len(s.cfg.Accounts) {
		s.selected = -1
		s.remove.Disable()
		s.test.Disable()
		s.formBox.Add(widget.NewLabel("No accounts yet. Click Add to set one up."))
		s.building = false
		s.validate()
		return
	}
	s.list.Select(i)
	if !s.readOnly {
		s.remove.Enable()
	}
	a := &s.cfg.Accounts[i]

	entry := func(key, value, placeholder string, set func(string)) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(value)
		e.SetPlaceHolder(placeholder)
		e.OnChanged = func(v string) { set(v); s.changed() }
		s.fields[key] = &formField{input: e, entry: e}
		return e
	}
	check := func(key, label string, value bool, set func(bool)) *widget.Check {
		c := widget.NewCheck(label, func(b bool) { set(b); s.changed() })
		c.SetChecked(value)
		s.fields[key] = &formField{input: c}
		return c
	}

	name := entry("name", a.Name, "e.g. Work", func(v string) {
		s.cfg.Accounts[s.selected].Name = v
		s.list.RefreshItem(s.selected)
	})
	enabled := check("enabled", "Watch this account", a.Enabled, func(b bool) {
		s.cfg.Accounts[s.selected].Enabled = b
		s.list.RefreshItem(s.selected)
	})
	host := entry("host", a.Host, "imap.example.com", func(v string) { s.cfg.Accounts[s.selected].Host = strings.TrimSpace(v) })
	portText := strconv.Itoa(a.Port)
	if a.Port == 0 {
		portText = ""
	}
	port := entry("port", portText, "993", func(v string) {
		p, err := strconv.Atoi(strings.TrimSpace(v))
		switch {
		case strings.TrimSpace(v) == "":
			p = 0 // from the provider, or reported as invalid
		case err != nil:
			p = -1
		}
		s.cfg.Accounts[s.selected].Port = p
	})
	security := widget.NewSelect([]string{settings.SecurityTLS, settings.SecurityStartTLS, settings.SecurityNone}, func(v string) {
		acct := &s.cfg.Accounts[s.selected]
		if acct.Security == v {
			return
		}
		// Follow the usual port when the port was the old default.
		if acct.Port == settings.DefaultPort(acct.Security) {
			acct.Port = settings.DefaultPort(v)
			if f := s.fields["port"]; f != nil {
				f.entry.SetText(strconv.Itoa(acct.Port))
			}
		}
		acct.Security = v
		s.changed()
	})
	security.SetSelected(a.Security)
	s.fields["security"] = &formField{input: security}
	plain := check("allow_plaintext", "Allow sending the password unencrypted", a.AllowPlaintext, func(b bool) { s.cfg.Accounts[s.selected].AllowPlaintext = b })
	caFile := entry("tls_ca_file", a.TLSCAFile, "extra CA certificate (PEM file), optional", func(v string) { s.cfg.Accounts[s.selected].TLSCAFile = v })
	fp := entry("tls_fingerprint", a.TLSFingerprint, "sha256:AB:CD:… pinned certificate, optional", func(v string) { s.cfg.Accounts[s.selected].TLSFingerprint = strings.TrimSpace(v) })

	user := entry("username", a.Username, "usually your e-mail address", func(v string) { s.cfg.Accounts[s.selected].Username = v })
	s.authSel = widget.NewSelect(authChoices, func(v string) { s.setAuth(v) })
	s.authSel.SetSelected(authChoice(*a))
	s.fields["auth"] = &formField{input: s.authSel}
	s.signInBtn = widget.NewButton("Sign in…", s.signIn)
	s.fields["sign_in"] = &formField{input: s.signInBtn}
	clientID := entry("oauth_client_id", a.OAuthClientID, "built-in default", func(v string) { s.cfg.Accounts[s.selected].OAuthClientID = strings.TrimSpace(v) })
	clientSecret := entry("oauth_client_secret", a.OAuthClientSecret, "built-in default", func(v string) { s.cfg.Accounts[s.selected].OAuthClientSecret = strings.TrimSpace(v) })
	authURL := entry("oauth_auth_url", a.OAuthAuthURL, "https://… authorization endpoint (browser sign-in)", func(v string) { s.cfg.Accounts[s.selected].OAuthAuthURL = strings.TrimSpace(v) })
	tokenURL := entry("oauth_token_url", a.OAuthTokenURL, "https://… token endpoint", func(v string) { s.cfg.Accounts[s.selected].OAuthTokenURL = strings.TrimSpace(v) })
	deviceURL := entry("oauth_device_url", a.OAuthDeviceURL, "https://… device endpoint, optional", func(v string) { s.cfg.Accounts[s.selected].OAuthDeviceURL = strings.TrimSpace(v) })
	scopes := entry("oauth_scopes", strings.Join(a.OAuthScopes, " "), "e.g. imap offline_access (separated by spaces)", func(v string) {
		list := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		if len(list) == 0 {
			list = nil // as Load reads an absent or empty oauth_scopes
		}
		s.cfg.Accounts[s.selected].OAuthScopes = list
	})
	pw := widget.NewPasswordEntry()
	pw.OnChanged = func(v string) {
		s.passwords[s.selected] = v
		s.changed()
	}
	s.fields["password"] = &formField{input: pw, entry: pw}
	pwCmd := entry("password_command", a.PasswordCommand, "e.g. pass show mail/work (instead of the keyring)", func(v string) {
		s.cfg.Accounts[s.selected].PasswordCommand = v
		s.updatePasswordHint()
	})

	mailboxes := widget.NewMultiLineEntry()
	mailboxes.SetText(strings.Join(a.Mailboxes, "\n"))
	mailboxes.SetMinRowsVisible(3)
	mailboxes.OnChanged = func(v string) {
		var list []string
		for _, l := range strings.Split(v, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				list = append(list, l)
			}
		}
		s.cfg.Accounts[s.selected].Mailboxes = list
		s.changed()
	}
	s.fields["mailboxes"] = &formField{input: mailboxes, entry: mailboxes}
	poll := entry("poll_interval", a.PollInterval.String(), "2m", func(v string) {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			d = -1
		}
		s.cfg.Accounts[s.selected].PollInterval = settings.Duration{Duration: d}
	})

	notify := check("notify", "Show bubbles for this account", a.Notify, func(b bool) { s.cfg.Accounts[s.selected].Notify = b })
	open := entry("open_command", a.OpenCommand, "empty: the General tab's open command", func(v string) { s.cfg.Accounts[s.selected].OpenCommand = v })
	onNew := entry("on_new_mail", a.OnNewMail, "command run per new mail, optional", func(v string) { s.cfg.Accounts[s.selected].OnNewMail = v })
	onBatch := entry("on_new_mail_batch", a.OnNewMailBatch, "command run per batch, optional", func(v string) { s.cfg.Accounts[s.selected].OnNewMailBatch = v })
	hookTimeout := entry("hook_timeout", a.HookTimeout.String(), "60s", func(v string) {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			d = -1
		}
		s.cfg.Accounts[s.selected].HookTimeout = settings.Duration{Duration: d}
	})

	group := func(title string, rows ...any) fyne.CanvasObject {
		form := container.New(layout.NewFormLayout())
		for k := 0; k < len(rows); k += 3 {
			key, label, in := rows[k].(string), rows[k+1].(string), rows[k+2].(fyne.CanvasObject)
			f := s.fields[key]
			f.msg = widget.NewLabel("")
			f.msg.Importance = widget.DangerImportance
			f.msg.Wrapping = fyne.TextWrapWord
			f.msg.Hide()
			l, cell := widget.NewLabel(label), container.NewVBox(in, f.msg)
			s.rows[key] = [2]fyne.CanvasObject{l, cell}
			form.Add(l)
			form.Add(cell)
		}
		return widget.NewCard(title, "", form)
	}
	s.formBox.Add(group("Server",
		"name", "Name", name,
		"enabled", "Enabled", enabled,
		"host", "Host", host,
		"port", "Port", port,
		"security", "Security", security,
		"allow_plaintext", "Plaintext", plain,
		"tls_ca_file", "CA file", caFile,
		"tls_fingerprint", "Fingerprint", fp,
	))
	s.formBox.Add(group("Login",
		"username", "Username", user,
		"auth", "Authentication", s.authSel,
		"sign_in", "Sign-in", container.NewHBox(s.signInBtn),
		"password", "Password", pw,
		"password_command", "Password command", pwCmd,
		"oauth_client_id", "Client ID", clientID,
		"oauth_client_secret", "Client secret", clientSecret,
		"oauth_auth_url", "Auth URL", authURL,
		"oauth_token_url", "Token URL", tokenURL,
		"oauth_device_url", "Device URL", deviceURL,
		"oauth_scopes", "Scopes", scopes,
	))
	// A bad oauth_provider in the file is shown at the select.
	s.fields["oauth_provider"] = &formField{input: s.authSel, msg: s.fields["auth"].msg}
	s.formBox.Add(group("Folders",
		"mailboxes", "Mailboxes", mailboxes,
		"poll_interval", "Poll interval", poll,
	))
	s.formBox.Add(group("Notifications",
		"notify", "Bubbles", notify,
		"open_command", "Open command", open,
		"on_new_mail", "On new mail", onNew,
		"on_new_mail_batch", "On new batch", onBatch,
		"hook_timeout", "Hook timeout", hookTimeout,
	))
	if s.readOnly {
		for _, f := range s.fields {
			if d, ok := f.input.(fyne.Disableable); ok {
				d.Disable()
			}
		}
		s.test.Disable()
	} else {
		s.test.Enable()
	}
	s.updatePasswordHint()
	s.updateAuthRows()
	s.building = false
	s.validate()
}

// The Authentication select's choices: auth and oauth_provider in one.
const (
	choicePassword  = "Password"
	choiceGoogle    = "OAuth2 — Google"
	choiceMicrosoft = "OAuth2 — Microsoft"
	choiceCustom    = "OAuth2 — Custom"
)

var authChoices = []string{choicePassword, choiceGoogle, choiceMicrosoft, choiceCustom}

// authChoice is the select's choice for an account; "" (no selection) for
// an unknown auth or an OAuth2 account without a known provider, whose
// problem is shown at the select until a choice replaces it.
func authChoice(a settings.Account) string {
	switch {
	case a.Auth == "" || a.Auth == settings.AuthPassword:
		return choicePassword
	case !a.UsesOAuth2():
		return ""
	case a.OAuthProvider == settings.ProviderGoogle:
		return choiceGoogle
	case a.OAuthProvider == settings.ProviderMicrosoft:
		return choiceMicrosoft
	case a.OAuthProvider == settings.ProviderCustom:
		return choiceCustom
	}
	return ""
}

// setAuth is the Authentication select's change. Leaving OAuth2 clears the
// oauth_* keys (they are invalid with a password); choosing it forgets a
// password typed but not saved.
func (s *settingsWindow) setAuth(choice string) {
	if s.selected < 0 || choice == authChoice(s.cfg.Accounts[s.selected]) {
		return
	}
	a := &s.cfg.Accounts[s.selected]
	building := s.building
	s.building = true // the entries below report through changed() once, at the end
	switch choice {
	case choicePassword:
		a.Auth, a.OAuthProvider = settings.AuthPassword, ""
		for _, key := range []string{"oauth_client_id", "oauth_client_secret", "oauth_auth_url", "oauth_token_url", "oauth_device_url", "oauth_scopes"} {
			s.fields[key].entry.SetText("")
		}
	default:
		a.Auth = settings.AuthOAuth2
		a.OAuthProvider = map[string]string{choiceGoogle: settings.ProviderGoogle, choiceMicrosoft: settings.ProviderMicrosoft, choiceCustom: settings.ProviderCustom}[choice]
		s.passwords[s.selected] = ""
		s.fields["password"].entry.SetText("")
	}
	s.building = building
	s.updateAuthRows()
	s.changed()
}

// updateAuthRows shows the Login rows that apply to the account's auth, and
// names the sign-in button and the placeholders after its provider.
func (s *settingsWindow) updateAuthRows() {
	if s.selected < 0 || s.rows == nil {
		return
	}
	a := s.cfg.Accounts[s.selected]
	oauth, custom := a.UsesOAuth2(), a.UsesOAuth2() && a.OAuthProvider == settings.ProviderCustom
	preset, hasPreset := settings.ProviderIMAP[a.OAuthProvider]
	hasPreset = hasPreset && oauth
	show := map[string]bool{
		"sign_in":             oauth,
		"password":            !oauth,
		"password_command":    !oauth || a.PasswordCommand != "", // visible while it must be removed
		"oauth_client_id":     oauth,
		"oauth_client_secret": oauth,
		"oauth_auth_url":      custom,
		"oauth_token_url":     custom,
		"oauth_device_url":    custom,
		"oauth_scopes":        custom,
	}
	for key, visible := range show {
		for _, o := range s.rows[key] {
			if visible {
				o.Show()
			} else {
				o.Hide()
			}
		}
	}
	switch a.OAuthProvider {
	case settings.ProviderGoogle:
		s.signInBtn.SetText("Sign in with Google…")
	case settings.ProviderMicrosoft:
		s.signInBtn.SetText("Sign in with Microsoft…")
	default:
		s.signInBtn.SetText("Sign in…")
	}
	clientHint := "built-in default"
	if custom {
		clientHint = "the client ID you registered with the provider"
	}
	s.fields["oauth_client_id"].entry.SetPlaceHolder(clientHint)
	host, port := "imap.example.com", "993"
	security := s.fields["security"].input.(*widget.Select)
	security.PlaceHolder = "tls"
	if hasPreset {
		host = "from the provider (" + preset.Host + ")"
		port = "from the provider (" + strconv.Itoa(preset.Port) + ")"
		security.PlaceHolder = "from the provider (tls)"
	}
	s.fields["host"].entry.SetPlaceHolder(host)
	s.fields["port"].entry.SetPlaceHolder(port)
	security.Refresh()
}

// withPreset is the account as it will be saved: an OAuth2 account of a
// provider preset takes the preset's host, port and security where the
// form leaves them empty (settings.Save wants them spelled out).
func withPreset(a settings.Account) settings.Account {
	p, ok := settings.ProviderIMAP[a.OAuthProvider]
	if !a.UsesOAuth2() || !ok {
		return a
	}
	if a.Host == "" {
		a.Host = p.Host
	}
	if a.Port == 0 {
		a.Port = p.Port
	}
	if a.Security == "" {
		a.Security = settings.SecurityTLS
	}
	return a
}

// effective is the edited config as it will be validated and saved.
func (s *settingsWindow) effective() *settings.Config {
	c := s.cfg.Clone()
	for i, a := range c.Accounts {
		c.Accounts[i] = withPreset(a)
	}
	return c
}

// updatePasswordHint says whether a password is stored, never what it is.
func (s *settingsWindow) updatePasswordHint() {
	f := s.fields["password"]
	if f == nil || s.selected < 0 {
		return
	}
	a := s.cfg.Accounts[s.selected]
	switch {
	case a.PasswordCommand != "":
		f.entry.SetPlaceHolder("from the password command")
		f.entry.Disable()
		return
	case s.hasSecret[s.selected]:
		f.entry.SetPlaceHolder("set (type to replace it)")
	default:
		f.entry.SetPlaceHolder("not set")
	}
	if !s.readOnly {
		f.entry.Enable()
	}
}

func (s *settingsWindow) changed() {
	if s.building {
		return
	}
	s.dirty = true
	s.validate()
}

// validate shows each problem next to its field and allows Save only when
// there is none (in any account).
func (s *settingsWindow) validate() []settings.Problem {
	var problems []settings.Problem
	var e *settings.Error
	if err := s.effective().Validate(); errors.As(err, &e) {
		problems = e.Problems
	}
	for _, f := range s.fields {
		if f.msg != nil {
			f.setMessage("")
		}
	}
	for _, f := range s.global {
		f.setMessage("")
	}
	var elsewhere []string
	for _, p := range problems {
		var f *formField
		switch {
		case p.AccountIndex == 0:
			f = s.global[p.Field]
		case p.AccountIndex-1 == s.selected:
			f = s.fields[p.Field]
		}
		if f != nil && f.msg != nil && s.rowVisible(p.Field) {
			if f.msg.Text != "" {
				f.setMessage(f.msg.Text + "\n" + p.Message)
			} else {
				f.setMessage(p.Message)
			}
			continue
		}
		elsewhere = append(elsewhere, p.String())
	}
	defer s.relayout()
	if s.readOnly {
		s.save.Disable()
		return problems
	}
	if len(problems) > 0 {
		s.save.Disable()
		if len(elsewhere) > 0 {
			s.status.SetText("Fix first: " + strings.Join(elsewhere, "; "))
		} else {
			s.status.SetText("")
		}
	} else {
		s.save.Enable()
		if strings.HasPrefix(s.status.Text, "Fix first") {
			s.status.SetText("")
		}
	}
	return problems
}

// rowVisible reports whether the row of an account field is shown; a
// problem in a hidden row is listed in the status line instead.
func (s *settingsWindow) rowVisible(key string) bool {
	r, ok := s.rows[key]
	return !ok || r[1].Visible()
}

// relayout re-measures the window: messages and the status line change
// height as they appear.
func (s *settingsWindow) relayout() {
	if c := s.w.Content(); c != nil {
		c.Refresh()
	}
}

func (s *settingsWindow) addAccount() {
	if s.readOnly {
		return
	}
	name := "New account"
	for i := 2; ; i++ {
		if _, taken := s.cfg.Account(name); !taken {
			break
		}
		name = fmt.Sprintf("New account %d", i)
	}
	s.cfg.Accounts = append(s.cfg.Accounts, settings.NewAccount(name))
	s.origNames = append(s.origNames, "")
	s.passwords = append(s.passwords, "")
	s.hasSecret = append(s.hasSecret, false)
	s.dirty = true
	s.list.Refresh()
	s.showAccount(len(s.cfg.Accounts) - 1)
}

func (s *settingsWindow) confirmRemove() {
	if s.selected < 0 || s.readOnly {
		return
	}
	name := s.cfg.Accounts[s.selected].Name
	dialog.ShowConfirm("Remove account",
		fmt.Sprintf("Remove %q? Its password is deleted from the keyring when you save.", name),
		func(ok bool) {
			if ok {
				s.removeSelected()
			}
		}, s.w)
}

func (s *settingsWindow) removeSelected() {
	i := s.selected
	if s.origNames[i] != "" {
		s.removed = append(s.removed, s.origNames[i])
	}
	s.cfg.Accounts = append(s.cfg.Accounts[:i], s.cfg.Accounts[i+1:]...)
	s.origNames = append(s.origNames[:i], s.origNames[i+1:]...)
	s.passwords = append(s.passwords[:i], s.passwords[i+1:]...)
	s.hasSecret = append(s.hasSecret[:i], s.hasSecret[i+1:]...)
	s.dirty = true
	s.list.UnselectAll()
	s.list.Refresh()
	if i >= len(s.cfg.Accounts) {
		i = len(s.cfg.Accounts) - 1
	}
	s.showAccount(i)
}

// secretOp is one keyring change of a Save, in order.
type secretOp struct {
	rename      [2]string
	set         [2]string // account, password
	del         string
	retryOnDone string
}

// doSave writes the keyring entries and the file in the background: keyring
// calls are D-Bus round trips and Save fsyncs. Passwords never reach the file.
func (s *settingsWindow) doSave() {
	if s.readOnly || len(s.validate()) > 0 {
		return
	}
	cfg := s.effective()
	var ops []secretOp
	for i, a := range cfg.Accounts {
		if old := s.origNames[i]; old != "" && old != a.Name {
			ops = append(ops, secretOp{rename: [2]string{old, a.Name}})
		}
		if pw := s.passwords[i]; pw != "" && a.PasswordCommand == "" && !a.UsesOAuth2() {
			ops = append(ops, secretOp{set: [2]string{a.Name, pw}, retryOnDone: a.Name})
		}
	}
	for _, name := range s.removed {
		ops = append(ops, secretOp{del: name})
	}
	autostart, login := s.autostart, s.o.Autostart
	path, secrets, tokens, watcher := s.o.ConfigPath, s.o.Secrets, s.o.Tokens, s.o.Watcher
	s.save.Disable()
	s.status.SetText("Saving…")
	go func() {
		err := func() error {
			for _, op := range ops {
				if op.rename[0] == "" {
					continue
				}
				// Both entries follow the name: the password and the
				// OAuth2 sign-in (a missing one is no error).
				for _, k := range []settings.Secrets{secrets, tokens} {
					if k != nil {
						if err := k.Rename(op.rename[0], op.rename[1]); err != nil {
							return err
						}
					}
				}
			}
			for _, op := range ops {
				if op.set[0] != "" {
					if secrets == nil {
						return errors.New("no keyring to store the password in")
					}
					if err := secrets.Set(op.set[0], op.set[1]); err != nil {
						return err
					}
				}
			}
			if err := settings.Save(path, cfg); err != nil {
				return err
			}
			for _, op := range ops {
				if op.del == "" {
					continue
				}
				for _, k := range []settings.Secrets{secrets, tokens} {
					if k != nil {
						if err := k.Delete(op.del); err != nil {
							return err
						}
					}
				}
			}
			// Also when unchanged: Set repairs an entry that starts another path.
			if autostartNote(login) == "" {
				if err := login.Set(autostart); err != nil {
					return fmt.Errorf("start at login: %w", err)
				}
			}
			return nil
		}()
		if err == nil && watcher != nil {
			for _, op := range ops {
				if op.retryOnDone != "" {
					watcher.Retry(op.retryOnDone)
				}
			}
		}
		s.do(func() {
			if err != nil {
				s.status.SetText("Not saved: " + err.Error())
				s.save.Enable()
				s.relayout()
				return
			}
			for i, a := range cfg.Accounts {
				if i < len(s.origNames) {
					s.origNames[i] = a.Name
					if s.passwords[i] != "" {
						s.hasSecret[i] = true
					}
					s.passwords[i] = ""
				}
			}
			s.removed = nil
			s.dirty = false
			s.status.SetText("Saved. idlebell applies the changes now.")
			if f := s.fields["password"]; f != nil {
				f.entry.SetText("")
				s.dirty = false
			}
			s.updatePasswordHint()
			s.validate()
		})
	}()
}

// signIn is the "Sign in with …" button: a browser sign-in for the account
// as saved (the running sign-in uses the file's settings), then Retry.
func (s *settingsWindow) signIn() {
	if s.selected < 0 || s.readOnly {
		return
	}
	if s.o.SignIn == nil {
		s.status.SetText("Sign-in is not available here: use idlebell login in a terminal.")
		return
	}
	if s.dirty {
		s.status.SetText("Save first: sign-in uses the saved account.")
		return
	}
	a := withPreset(s.cfg.Accounts[s.selected])
	started := s.t.startSignIn(a, func(err error) {
		if err != nil {
			msg, hint := explain.DescribeIn(i18n.Template, err)
			s.status.SetText(strings.TrimSpace("Sign-in failed: " + msg + ". " + hint))
		} else {
			s.status.SetText("Signed in. idlebell connects to " + safeLine(a.Name, 60) + " now.")
		}
		s.relayout()
	})
	if !started {
		s.status.SetText("A sign-in for " + safeLine(a.Name, 60) + " is already waiting in the browser.")
		return
	}
	s.status.SetText("Sign in in the browser window that opened; idlebell waits here.")
}

// testConnection runs Options.Test for the account as it is in the form.
func (s *settingsWindow) testConnection() {
	if s.o.Test == nil || s.selected < 0 {
		return
	}
	a := s.cfg.Accounts[s.selected]
	if s.passwords[s.selected] != "" {
		s.status.SetText("Save first: the test uses the stored password.")
		return
	}
	s.testRun++
	run := s.testRun
	s.trust.Hide()
	s.progress.Show()
	s.progress.Start()
	s.status.SetText("Testing " + a.Host + "…")
	test := s.o.Test
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
		defer cancel()
		r := test(ctx, a)
		s.do(func() {
			if run != s.testRun {
				return
			}
			s.progress.Stop()
			s.progress.Hide()
			text, fp := checkSentence(r, a)
			s.status.SetText(text)
			defer s.relayout()
			s.testFP = fp
			if fp != "" && !s.readOnly {
				s.trust.Show()
			}
		})
	}()
}

// checkSentence is a Test connection outcome in one sentence, and the
// certificate fingerprint to offer for pinning when that is what failed.
func checkSentence(r *imapwatch.CheckResult, a settings.Account) (string, string) {
	if r == nil {
		return "The test did not finish.", ""
	}
	if r.OK() {
		idle := "IDLE supported"
		if !r.Idle {
			idle = "no IDLE: polling every " + a.WithDefaults().PollInterval.String()
		}
		var counts []string
		for _, m := range r.Mailboxes {
			counts = append(counts, fmt.Sprintf("%d unread in %s", m.Unseen, m.Name))
		}
		s := "Connected. " + idle
		if len(counts) > 0 {
			s += ", " + strings.Join(counts, ", ")
		}
		return s + ".", ""
	}
	msg, hint := explain.DescribeIn(i18n.Template, r.Err)
	text := strings.TrimSpace(strings.ToUpper(msg[:1]) + msg[1:] + ". " + hint)
	var cerr *imapwatch.CertificateError
	if errors.As(r.Err, &cerr) && cerr.Fingerprint != "" {
		return text, cerr.Fingerprint // offered for pinning with a Trust button
	}
	return text, ""
}

// trustCertificate pins the fingerprint the test saw into the account.
func (s *settingsWindow) trustCertificate() {
	if s.testFP == "" || s.selected < 0 {
		return
	}
	if f := s.fields["tls_fingerprint"]; f != nil {
		f.entry.SetText(s.testFP) // OnChanged stores it and validates
	}
	s.trust.Hide()
	s.status.SetText("Fingerprint pinned. Save, then test again.")
}

package ui

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"idlebell/discover"
	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// discoverTimeout bounds finding the server and logging in, in the add flow.
const discoverTimeout = 60 * time.Second

// addFlow is Add…: the address and the password, then Continue finds the
// server, connects and logs in with the typed password — nothing is
// stored yet — and shows what it found; Add stores the account and its
// password in one go. Sign in with Google or Microsoft stores the account
// and opens the browser. Edit manually… opens the full form instead.
type addFlow struct {
	s *settingsWindow
	d dialog.Dialog

	address  *fieldEntry
	password *fieldEntry
	hint     *linesLabel // the provider's note, hintLines tall
	status   *linesLabel // what is going on or went wrong, statusLines tall
	tips     *tipLayer   // the whole hint or status, over the dialog
	spin     *spinner
	next     *widget.Button // Continue
	back     *widget.Button
	add      *widget.Button

	found     *widget.Label // step two: what was found
	foundNote *widget.Label
	name      *fieldEntry
	nameField *field
	first     fyne.CanvasObject
	second    fyne.CanvasObject
	steps     *fyne.Container // first and second, one shown
	content   *fyne.Container // the dialog's: steps, status, buttons

	run    int              // answers of an older run are dropped
	result *discover.Result // what discovery found
	acct   settings.Account // the server that passed, as an account
	// trusted are the certificates the user trusted in this dialog, by
	// host:port: Continue again (after a refused password) does not ask
	// about them twice.
	trusted map[string]string
}

// startAdd opens the add dialog.
func (s *settingsWindow) startAdd() {
	if s.readOnly {
		return
	}
	f := &addFlow{s: s}
	s.adding = f
	f.address = newFieldEntry()
	f.address.SetPlaceHolder(i18n.T("name@example.org"))
	f.address.OnChanged = func(string) { f.showProviderHint() }
	f.password = newFieldPassword()
	f.password.OnSubmitted = func(string) { f.continueAdd() }
	f.address.OnSubmitted = func(string) {
		if f.password.Text == "" {
			s.w.Canvas().Focus(f.password)
			return
		}
		f.continueAdd()
	}
	f.tips = newTipLayer()
	f.hint = dialogLines(hintLines, f.tips)
	f.status = dialogLines(statusLines, f.tips)
	f.spin = newSpinner()

	addrField := newField("address", i18n.T("E-mail address"), f.address, "")
	pwField := newField("password", i18n.T("Password"), f.password,
		i18n.T("Checked with the server first, and kept in the keyring when you add the account."))
	f.nameField = newField("name", i18n.T("Account name"), nil, i18n.T("Shown in the tray menu and in bubbles."))
	cells := alignLabels([]*field{addrField, pwField, f.nameField})

	oauthRow := container.NewHBox(widget.NewLabel(i18n.T("Or sign in with your provider:")),
		widget.NewButton(i18n.T("Sign in with Google…"), func() { f.oauth(settings.ProviderGoogle) }),
		widget.NewButton(i18n.T("Sign in with Microsoft…"), func() { f.oauth(settings.ProviderMicrosoft) }))
	if s.host.o.SignIn == nil {
		oauthRow.Hide()
	}
	f.first = container.NewVBox(
		wrapped(i18n.T("Enter your e-mail address and its password: idlebell finds the server by itself.")),
		container.New(layout.NewFormLayout(),
			cells[addrField], container.NewVBox(f.address, addrField.help),
			cells[pwField], container.NewVBox(f.password, pwField.help)),
		f.hint, oauthRow)

	f.found = wrapped("")
	f.found.TextStyle.Bold = true
	f.foundNote = wrapped("")
	f.name = newFieldEntry()
	f.second = container.NewVBox(f.found, f.foundNote, container.New(layout.NewFormLayout(),
		cells[f.nameField], container.NewVBox(f.name, f.nameField.help)))
	f.second.Hide()

	f.next = widget.NewButton(i18n.T("Continue"), f.continueAdd)
	f.next.Importance = widget.HighImportance
	f.add = widget.NewButton(i18n.T("Add"), f.store)
	f.add.Importance = widget.HighImportance
	f.add.Hide()
	f.back = widget.NewButton(i18n.T("Back"), f.toFirst)
	f.back.Hide()
	buttons := container.NewHBox(widget.NewButton(i18n.T("Edit manually…"), f.manual), layout.NewSpacer(),
		widget.NewButton(i18n.T("Cancel"), f.close), f.back, f.next, f.add)
	f.steps = container.New(sameSize{}, f.first, f.second)
	f.content = container.NewStack(
		container.NewVBox(f.steps, container.NewBorder(nil, nil, f.spin.box, nil, f.status), buttons), f.tips.layer)
	f.d = dialog.NewCustomWithoutButtons(i18n.T("Add an account"), f.content, s.w)
	f.d.Resize(fyne.NewSize(620, 0))
	f.d.Show()
	s.w.Canvas().Focus(f.address)
}

// sameSize lays its objects on top of each other, all as large as the
// largest, shown or hidden: switching from one to another moves nothing.
type sameSize struct{}

func (sameSize) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return s
}

func (sameSize) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// The provider's note and the status keep their lines whatever they say,
// so that the dialog neither grows nor moves when "found no server" or a
// refused password shows; a longer text ends in "…" and shows whole in a
// tip while the mouse rests on it.
const (
	hintLines   = 2
	statusLines = 3
)

// dialogLines is a text of the add dialog that keeps n lines.
func dialogLines(n int, tips *tipLayer) *linesLabel {
	l := newLinesLabel(n)
	l.SizeName = theme.SizeNameText
	l.Importance = widget.MediumImportance
	l.Text = " "
	l.tips = tips
	return l
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// close ends the flow; a running step's answer is dropped.
func (f *addFlow) close() {
	f.run++
	f.d.Hide()
	if f.s.adding == f {
		f.s.adding = nil
	}
}

// showProviderHint shows what idlebell knows of the address's provider as
// it is typed: the one step newcomers miss.
func (f *addFlow) showProviderHint() {
	if r := discover.Builtin(f.address.Text); r != nil && r.Note != "" {
		f.setLines(f.hint, r.Provider+": "+i18n.Translate(r.Note), widget.MediumImportance)
		return
	}
	f.setLines(f.hint, " ", widget.MediumImportance)
}

// setLines shows text in the hint or the status; a tip showing its old
// text goes.
func (f *addFlow) setLines(l *linesLabel, text string, imp widget.Importance) {
	f.tips.hideFor(l)
	l.Importance = imp
	l.SetText(text)
}

// busy shows the spinner and a status line, and blocks Continue.
func (f *addFlow) busy(text string) {
	f.setLines(f.status, text, widget.MediumImportance)
	f.spin.start()
	f.next.Disable()
	f.add.Disable()
}

// failed shows what went wrong and lets the user try again.
func (f *addFlow) failed(text string) {
	f.spin.stop()
	f.setLines(f.status, text, widget.DangerImportance)
	f.next.Enable()
	f.add.Enable()
}

func (f *addFlow) discoverer() func(context.Context, string) (*discover.Result, error) {
	if d := f.s.host.o.Discover; d != nil {
		return d
	}
	return (&discover.Discoverer{}).Discover
}

// continueAdd is Continue: find the server, then log in.
func (f *addFlow) continueAdd() {
	address, password := f.address.Text, f.password.Text
	if discover.CheckAddress(address) != nil {
		f.failed(i18n.T("Enter an e-mail address such as alice@example.org."))
		return
	}
	if password == "" {
		f.failed(i18n.T("Enter the password of the account."))
		return
	}
	f.run++
	run, find := f.run, f.discoverer()
	f.result, f.acct = nil, settings.Account{} // Edit manually… takes only this address's answer
	f.busy(i18n.T("Looking for the server of %s…", safeLine(address, 80)))
	f.s.background(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, discoverTimeout)
		defer cancel()
		r, err := find(ctx, address)
		return func() {
			if run != f.run {
				return
			}
			f.discovered(address, password, r, err)
		}
	})
}

// discovered is discovery's answer: try its password servers in order.
func (f *addFlow) discovered(address, password string, r *discover.Result, err error) {
	var nf *discover.NotFoundError
	switch {
	case errors.As(err, &nf) && len(nf.Plaintext) > 0:
		// Not offered, but said: Edit manually… fills it in, and the
		// user ticks the box that allows it.
		f.result = &discover.Result{Address: address, Servers: nf.Plaintext}
		f.failed(i18n.T("%s answers only unencrypted: the password would cross the network readable. If you trust this network, click Edit manually… and tick “Allow sending the password unencrypted”.",
			safeLine(nf.Plaintext[0].Host, 80)))
		return
	case errors.As(err, &nf) && nf.Offline:
		f.failed(i18n.T("This computer seems to be offline, so idlebell could not look for the server of %s. Try again when it is online, or click Edit manually… and enter it yourself.", safeLine(address, 80)))
		return
	case errors.As(err, &nf):
		f.failed(i18n.T("idlebell found no server for %s. Click Edit manually… and enter it yourself.", safeLine(address, 80)))
		return
	case errors.Is(err, discover.ErrAddress):
		f.failed(i18n.T("Enter an e-mail address such as alice@example.org."))
		return
	case err != nil:
		sentence, hint := describe(err)
		f.failed(joinSentences(sentence, hint))
		return
	}
	f.result = r
	var servers []settings.Account
	var oauthOnly string
	for _, srv := range r.Servers {
		if srv.Auth == settings.AuthOAuth2 {
			if oauthOnly == "" {
				oauthOnly = srv.OAuthProvider
			}
			continue
		}
		a := settings.NewAccount(address)
		a.Host, a.Port, a.Security, a.Username = srv.Host, srv.Port, srv.Security, srv.Username
		a.AllowPlaintext = srv.Security == settings.SecurityNone
		a.TLSFingerprint = f.trusted[trustKey(a)]
		servers = append(servers, a)
	}
	if len(servers) == 0 {
		f.failed(i18n.T("%s signs in through the browser: click Sign in with %s… below.", safeLine(r.Provider, 60), providerName(oauthOnly)))
		return
	}
	f.tryServers(servers, password)
}

// trustKey is the server a trusted certificate belongs to.
func trustKey(a settings.Account) string {
	return net.JoinHostPort(strings.ToLower(a.Host), strconv.Itoa(a.Port))
}

func providerName(p string) string {
	if p == settings.ProviderMicrosoft {
		return "Microsoft"
	}
	return "Google"
}

// tryServers logs in to each server in turn until one answers: a refused
// password or an untrusted certificate stops there, a server that cannot
// be reached gives way to the next.
func (f *addFlow) tryServers(servers []settings.Account, password string) {
	a := servers[0]
	f.run++
	run, test := f.run, f.s.host.o.Test
	if test == nil {
		f.failed(i18n.T("Testing is not available here."))
		return
	}
	f.busy(i18n.T("Found %s, port %d, %s — logging in…", safeLine(a.Host, 80), a.Port, discover.SecurityName(a.Security)))
	f.s.background(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, testTimeout)
		defer cancel()
		r := test(ctx, a, password)
		return func() {
			if run != f.run {
				return
			}
			f.tested(servers, password, r)
		}
	})
}

func (f *addFlow) tested(servers []settings.Account, password string, r *imapwatch.CheckResult) {
	a := servers[0]
	var cerr *imapwatch.CertificateError
	switch {
	case r == nil:
		f.failed(i18n.T("The test did not finish."))
	case r.OK():
		f.acct = a
		f.toSecond(r)
	case errors.As(r.Err, &cerr) && cerr.Fingerprint != "":
		f.failed(i18n.T("The server's certificate is not trusted."))
		showCertDialog(f.s.w, newCertInfo(cerr, a.TLSFingerprint != "", time.Now()), func() {
			a.TLSFingerprint = cerr.Fingerprint
			if f.trusted == nil {
				f.trusted = map[string]string{}
			}
			f.trusted[trustKey(a)] = cerr.Fingerprint
			servers[0] = a
			f.tryServers(servers, password) // and on, with the trusted certificate
		})
	case errors.Is(r.Err, imapwatch.ErrAuthFailed):
		text := i18n.T("%s refused the password: check it and try again.", safeLine(a.Host, 80))
		if f.result != nil && f.result.Note != "" {
			text += " " + i18n.Translate(f.result.Note)
		}
		f.failed(text)
		f.s.w.Canvas().Focus(f.password)
	case len(servers) > 1 && (r.Step == "resolve" || r.Step == "connect" || r.Step == "greeting" || r.Step == "tls"):
		f.tryServers(servers[1:], password)
	default:
		sentence, hint := describe(r.Err)
		f.failed(joinSentences(sentence, hint))
	}
}

// toSecond shows what was found and asks for the account's name.
func (f *addFlow) toSecond(r *imapwatch.CheckResult) {
	f.spin.stop()
	f.setLines(f.status, " ", f.status.Importance)
	provider := f.result.Provider
	f.found.SetText(foundText(provider, f.acct, r))
	f.foundNote.SetText(" ")
	if f.result.Note != "" {
		f.foundNote.SetText(i18n.Translate(f.result.Note))
	}
	nameFrom := provider
	if _, domain, ok := strings.Cut(f.address.Text, "@"); ok && strings.EqualFold(provider, domain) {
		nameFrom = "" // no provider's name known: the address says more than its domain
	}
	f.name.SetText(f.s.freeName(nameFrom, f.address.Text))
	f.first.Hide()
	f.second.Show()
	f.next.Hide()
	f.back.Show()
	f.add.Show()
	f.add.Enable()
	f.d.Refresh()
}

func (f *addFlow) toFirst() {
	f.run++
	f.second.Hide()
	f.first.Show()
	f.add.Hide()
	f.back.Hide()
	f.next.Show()
	f.next.Enable()
	f.setLines(f.status, " ", f.status.Importance)
	f.d.Refresh()
}

// foundText is "GMX: imap.gmx.net, port 993, SSL/TLS — connected, IDLE
// supported, 3 unread".
func foundText(provider string, a settings.Account, r *imapwatch.CheckResult) string {
	idle := i18n.T("IDLE supported")
	if !r.Idle {
		idle = noIdleText(a.WithDefaults().PollInterval.Duration)
	}
	var unread uint32
	for _, m := range r.Mailboxes {
		unread += m.Unseen
	}
	return i18n.N("%s: %s, port %d, %s — connected, %s, %d unread", "%s: %s, port %d, %s — connected, %s, %d unread", int(unread),
		safeLine(provider, 60), safeLine(a.Host, 80), a.Port, discover.SecurityName(a.Security), idle, unread)
}

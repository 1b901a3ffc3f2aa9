package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"idlebell/i18n"
	"idlebell/settings"
)

// settingsWindow edits a copy of the config: the Accounts tab (a list of
// accounts, the form of the selected one) and the General tab. Everything
// here runs on the Fyne goroutine. Work that blocks — keyring look-ups,
// Test connection, discovery, Save — runs through background: its
// goroutines end with the window's context, which closing cancels, and the
// settings process waits for them before it exits.
type settingsWindow struct {
	host     *windows
	w        fyne.Window
	do       func(func()) // fyne.Do; a queue in tests
	readOnly bool         // the demo's settings

	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	saved          *settings.Config // as in the file
	general        settings.Notifications
	autostart      bool
	autostartSaved bool
	accounts       []*accountEdit
	removed        []string // names of saved accounts removed; their keyring entries go on Save
	touchedGeneral map[string]bool
	showAll        bool // Save was pressed: every problem shows
	selected       int
	saving         bool

	list       *accountList
	form       *accountForm // of the selected account; nil when there is none
	formScroll *container.Scroll
	genTab     *generalTab
	genScroll  *container.Scroll
	tabs       *container.AppTabs
	status     *widget.Label
	save       *widget.Button
	tips       *tipLayer // whole texts of small print cut short
	closing    bool      // the Save changes? dialog is up
	adding     *addFlow  // the Add… dialog, while it is open
}

func newSettingsWindow(host *windows, o Options, do func(func())) *settingsWindow {
	s := &settingsWindow{host: host, do: do, readOnly: o.ConfigPath == "", selected: -1, touchedGeneral: map[string]bool{}}
	s.ctx, s.cancel = context.WithCancel(host.ctx)
	s.w = host.app.NewWindow(i18n.T("idlebell settings"))
	s.w.SetCloseIntercept(s.requestClose)
	// Sized before anything is in it: wrapped text laid out at a narrow
	// width first costs many more measurements.
	s.w.Resize(fyne.NewSize(860, 660))
	s.load(s.readConfig(o))
	for _, e := range s.accounts {
		e.state = host.states[e.saved.Name]
	}
	s.build()
	if len(s.accounts) > 0 {
		s.selectIndex(0)
	} else {
		s.selectIndex(-1)
	}
	return s
}

// readConfig is the file as it is now (the window may open long after the
// process started), else what the process was given.
func (s *settingsWindow) readConfig(o Options) *settings.Config {
	if o.ConfigPath != "" {
		cfg, err := settings.Load(o.ConfigPath)
		switch {
		case err == nil:
			return cfg
		case errors.Is(err, fs.ErrNotExist):
			return settings.Default()
		}
	}
	if o.Config != nil {
		return o.Config
	}
	return settings.Default()
}

// load takes a fresh copy of cfg; unsaved edits are dropped.
func (s *settingsWindow) load(cfg *settings.Config) {
	s.saved = cfg.Clone()
	s.general = cfg.Notifications
	s.accounts = nil
	for _, a := range cfg.Accounts {
		s.accounts = append(s.accounts, newAccountEdit(a, false))
	}
	s.removed = nil
	s.autostart = autostartEnabled(s.host.o.Autostart)
	s.autostartSaved = s.autostart
	s.lookupSecrets()
}

// lookupSecrets asks the keyring which accounts have a password, so that
// the form can say "stored" without ever showing it.
func (s *settingsWindow) lookupSecrets() {
	secrets := s.host.o.Secrets
	if secrets == nil {
		return
	}
	for _, e := range s.accounts {
		a := e.saved
		if a.PasswordCommand != "" || a.Name == "" || a.UsesOAuth2() {
			continue
		}
		s.background(func(ctx context.Context) func() {
			_, err := secrets.Get(ctx, a.Name)
			return func() {
				e.hasSecret = err == nil
				if s.form != nil && s.form.e == e {
					s.form.updatePasswordHint()
				}
			}
		})
	}
}

// background runs work on a goroutine of the window's; what it returns,
// if not nil, runs on the Fyne goroutine unless the window closed
// meanwhile. work must return when ctx is done.
func (s *settingsWindow) background(work func(ctx context.Context) func()) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		apply := work(s.ctx)
		if apply == nil {
			return
		}
		s.do(func() {
			if s.ctx.Err() == nil {
				apply()
			}
		})
	}()
}

// wait returns when the window's background work has ended.
func (s *settingsWindow) wait() { s.bg.Wait() }

func (s *settingsWindow) build() {
	s.tips = newTipLayer()
	s.list = newAccountList(s)
	s.formScroll = container.NewVScroll(widget.NewLabel(""))
	accounts := container.NewHSplit(s.list.box, s.formScroll)
	accounts.Offset = 0.28
	s.genTab = newGeneralTab(s)
	s.genScroll = container.NewVScroll(s.genTab.box)
	s.tabs = container.NewAppTabs(
		container.NewTabItem(i18n.T("Accounts"), accounts),
		container.NewTabItem(i18n.T("General"), s.genScroll),
	)
	s.tabs.OnSelected = func(*container.TabItem) { s.tips.hide() }

	s.status = widget.NewLabel(" ")
	s.status.Wrapping = fyne.TextWrapWord
	s.save = widget.NewButton(i18n.T("Save"), func() { s.doSave(nil) })
	s.save.Importance = widget.HighImportance
	closeBtn := widget.NewButton(i18n.T("Close"), s.requestClose)
	buttons := container.NewHBox(closeBtn, s.save)
	if s.readOnly {
		s.save.Hide()
	}
	bottom := container.NewBorder(nil, nil, nil, buttons, s.status)

	var top fyne.CanvasObject
	if s.readOnly {
		note := widget.NewLabel(i18n.T("Demo mode: these are the demo's settings, shown read-only. Run idlebell without --demo to set up your own accounts."))
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		top = note
	}
	s.w.SetContent(container.NewStack(container.NewBorder(top, container.NewPadded(bottom), nil, nil, s.tabs), s.tips.layer))
}

// selectIndex shows account i's form, or a hint when there is none.
func (s *settingsWindow) selectIndex(i int) {
	s.tips.hide()
	if s.form != nil {
		s.form.test.stop()
	}
	if i < 0 || i >= len(s.accounts) {
		s.selected, s.form = -1, nil
		empty := widget.NewLabel(i18n.T("No accounts yet. Click Add… to set one up."))
		if s.readOnly {
			empty.SetText(i18n.T("No accounts."))
		}
		s.formScroll.Content = container.NewPadded(empty)
		s.formScroll.Refresh()
		s.list.list.UnselectAll()
	} else {
		s.selected = i
		s.form = newAccountForm(s, s.accounts[i])
		s.formScroll.Content = s.form.box
		s.formScroll.Refresh()
		s.formScroll.ScrollToTop()
		s.list.list.Select(i)
	}
	s.list.refresh()
	s.validate()
}

// selectAccount shows the named account's form, if there is one.
func (s *settingsWindow) selectAccount(name string) {
	for i, e := range s.accounts {
		if e.saved.Name == name || e.acct.Name == name {
			s.selectIndex(i)
			return
		}
	}
}

// setAccountState is the tray's line for a saved account.
func (s *settingsWindow) setAccountState(name, line string) {
	for _, e := range s.accounts {
		if !e.isNew && e.saved.Name == name {
			e.state = line
		}
	}
	s.list.list.Refresh()
}

// effective is the edited config as it will be validated and saved.
func (s *settingsWindow) effective() *settings.Config {
	c := s.saved.Clone()
	c.Notifications = s.general
	c.Accounts = make([]settings.Account, len(s.accounts))
	for i, e := range s.accounts {
		c.Accounts[i] = withPreset(cloneAccount(e.acct))
	}
	return c
}

// dirty reports whether Save would change anything.
func (s *settingsWindow) dirty() bool {
	if len(s.removed) > 0 || s.general != s.saved.Notifications || s.autostart != s.autostartSaved {
		return true
	}
	for _, e := range s.accounts {
		if e.changed() {
			return true
		}
	}
	return false
}

// changed is an edit anywhere in the window.
func (s *settingsWindow) changed() {
	s.list.list.Refresh()
	s.validate()
}

// validate shows the problems that may show (of fields left, or all after
// Save), enables Save when there is something to save, and returns every
// problem.
func (s *settingsWindow) validate() []settings.Problem {
	var all []settings.Problem
	var cfgErr *settings.Error
	if err := s.effective().Validate(); errors.As(err, &cfgErr) {
		all = cfgErr.Problems
	}
	var general, selected, elsewhere []settings.Problem
	for _, p := range all {
		switch {
		case p.AccountIndex == 0:
			general = append(general, p)
		case p.AccountIndex-1 == s.selected:
			selected = append(selected, p)
		default:
			elsewhere = append(elsewhere, p)
		}
	}
	elsewhere = append(elsewhere, s.genTab.showProblems(general, s.showAll)...)
	if s.form != nil {
		elsewhere = append(elsewhere, s.form.showProblems(selected, s.showAll)...)
	}
	if s.showAll && len(all) > 0 {
		s.setStatus(fixFirstText(elsewhere, s.accounts))
	} else if s.showAll {
		s.showAll = false
		s.setStatus("")
	}
	if s.readOnly || s.saving || !s.dirty() {
		s.save.Disable()
	} else {
		s.save.Enable()
	}
	return all
}

// fixFirstText asks to fix the marked fields, and names the problems not
// on screen: those of other accounts, and of rows hidden.
func fixFirstText(elsewhere []settings.Problem, accounts []*accountEdit) string {
	text := i18n.T("Fix the marked fields first.")
	var others []string
	for _, p := range elsewhere {
		if p.AccountIndex > 0 && p.AccountIndex <= len(accounts) {
			a := accounts[p.AccountIndex-1].acct
			others = append(others, fmt.Sprintf("%s: %s", safeLine(a.Name, 40), problemText(p, withPreset(a), settings.Notifications{})))
		} else {
			others = append(others, capitalise(p.Translated()))
		}
	}
	if len(others) > 0 {
		text += " " + strings.Join(others, " ")
	}
	return text
}

func (s *settingsWindow) setStatus(text string) {
	if text == "" {
		text = " " // keeps the line's height
	}
	s.status.SetText(text)
}

// relayout re-measures the window after rows were shown or hidden.
func (s *settingsWindow) relayout() {
	if c := s.w.Content(); c != nil {
		c.Refresh()
	}
}

// ensureVisible scrolls the tab's form so that o, just focused (by Tab,
// say), is in view.
func (s *settingsWindow) ensureVisible(o fyne.CanvasObject) {
	sc := s.formScroll
	if s.tabs.SelectedIndex() == 1 {
		sc = s.genScroll
	}
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(sc).Y + sc.Offset.Y
	bottom := top + o.Size().Height
	const margin = 8
	switch {
	case top < sc.Offset.Y:
		sc.ScrollToOffset(fyne.NewPos(sc.Offset.X, max(0, top-margin)))
	case bottom > sc.Offset.Y+sc.Size().Height:
		sc.ScrollToOffset(fyne.NewPos(sc.Offset.X, bottom-sc.Size().Height+margin))
	}
}

// requestClose is the window's close button and Close: with unsaved edits
// it asks first.
func (s *settingsWindow) requestClose() {
	if s.closing {
		return
	}
	if s.readOnly || !s.dirty() {
		s.closeNow()
		return
	}
	s.closing = true
	var d dialog.Dialog
	text := widget.NewLabel(i18n.T("Your changes are not saved yet. Save them before closing?"))
	text.Wrapping = fyne.TextWrapWord
	discard := widget.NewButton(i18n.T("Don't save"), func() { d.Hide(); s.closing = false; s.closeNow() })
	cancel := widget.NewButton(i18n.T("Cancel"), func() { d.Hide(); s.closing = false })
	save := widget.NewButton(i18n.T("Save"), func() {
		d.Hide()
		s.closing = false
		s.doSave(s.closeNow)
	})
	save.Importance = widget.HighImportance
	d = dialog.NewCustomWithoutButtons(i18n.T("Save changes?"),
		container.NewVBox(text, container.NewHBox(discard, layout.NewSpacer(), cancel, save)), s.w)
	d.Resize(fyne.NewSize(440, 0))
	d.Show()
}

// closeNow closes the window and drops unsaved edits; its background work
// is cancelled, and the process waits for it before exiting.
func (s *settingsWindow) closeNow() {
	s.cancel()
	if s.form != nil {
		s.form.test.stop()
	}
	if s.adding != nil {
		s.adding.close()
	}
	s.host.bg.Go(s.bg.Wait)
	if s.host.settings == s {
		s.host.settings = nil // a new window reads the file again
	}
	s.host.closed(s.w)
}

// confirmRemove asks before removing the selected account.
func (s *settingsWindow) confirmRemove() {
	if s.selected < 0 || s.readOnly {
		return
	}
	name := s.accounts[s.selected].acct.Name
	d := dialog.NewConfirm(i18n.T("Remove account?"),
		i18n.T("Remove %s? idlebell stops watching it, and deletes its password from the keyring when you save.", quote(name)),
		func(ok bool) {
			if ok {
				s.removeSelected()
			}
		}, s.w)
	d.SetConfirmText(i18n.T("Remove"))
	d.SetDismissText(i18n.T("Cancel"))
	d.Show()
}

func (s *settingsWindow) removeSelected() {
	i := s.selected
	if e := s.accounts[i]; !e.isNew {
		s.removed = append(s.removed, e.saved.Name)
	}
	s.accounts = append(s.accounts[:i], s.accounts[i+1:]...)
	s.list.list.UnselectAll()
	if i >= len(s.accounts) {
		i = len(s.accounts) - 1
	}
	s.selectIndex(i)
}

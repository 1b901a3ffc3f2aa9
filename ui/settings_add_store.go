package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2/widget"

	"idlebell/discover"
	"idlebell/i18n"
	"idlebell/settings"
)

// freeName is the first of the provider's name and the address that no
// account has, else the address with a number.
func (s *settingsWindow) freeName(provider, address string) string {
	taken := func(n string) bool {
		for _, e := range s.accounts {
			if e.acct.Name == n || e.saved.Name == n {
				return true
			}
		}
		return false
	}
	for _, n := range []string{provider, address} {
		if n != "" && !taken(n) {
			return n
		}
	}
	for i := 2; ; i++ {
		if n := i18n.T("%s %d", address, i); !taken(n) {
			return n
		}
	}
}

// store is Add: the account into the file and its password into the
// keyring, together; if the file cannot be written the password is taken
// out again. Unsaved edits of other accounts stay unsaved.
func (f *addFlow) store() {
	a := f.acct
	a.Name = f.name.Text
	cfg := f.s.saved.Clone()
	cfg.Accounts = append(cfg.Accounts, a)
	if err := cfg.Validate(); err != nil {
		var cfgErr *settings.Error
		if errors.As(err, &cfgErr) {
			for _, p := range cfgErr.Problems {
				if p.AccountIndex == len(cfg.Accounts) && p.Field == "name" {
					f.nameField.help.Importance = widget.DangerImportance
					f.nameField.help.SetText(problemText(p, a, settings.Notifications{}))
					return
				}
			}
		}
		if cfgErr != nil {
			f.failed(capitalise(cfgErr.Localized()))
			return
		}
		f.failed(capitalise(err.Error()))
		return
	}
	if taken := f.s.freeName(a.Name, ""); taken != a.Name {
		f.nameField.help.Importance = widget.DangerImportance
		f.nameField.help.SetText(i18n.T("Another account has this name: choose another."))
		return
	}
	f.storeAccount(cfg, a, f.password.Text, func(w watchState) {
		name := safeLine(a.Name, 60)
		switch w {
		case watchRunning:
			f.s.setStatus(i18n.T("Added %s. idlebell connects to it now.", name))
		case watchStopped:
			f.s.setStatus(i18n.T("Added %s. Start idlebell to watch it.", name))
		default:
			f.s.setStatus(i18n.T("Added %s. idlebell watches it whenever it runs.", name))
		}
	})
}

// storeAccount stores a (the last account of cfg) and its password off the
// Fyne goroutine, then closes the dialog, shows the account and runs then
// with what it found about a running idlebell; a failure stays in the
// dialog.
func (f *addFlow) storeAccount(cfg *settings.Config, a settings.Account, password string, then func(watchState)) {
	f.run++
	run, o := f.run, f.s.host.o
	f.busy(i18n.T("Adding %s…", safeLine(a.Name, 60)))
	f.s.background(func(context.Context) func() {
		err := storeNew(o, cfg, a.Name, password)
		w := o.watching()
		return func() {
			if run != f.run {
				return
			}
			if err != nil {
				sentence, hint := describe(err)
				f.failed(i18n.T("Not added: %s", joinSentences(sentence, hint)))
				return
			}
			f.close()
			f.s.added(a, password != "")
			then(w)
		}
	})
}

// storeNew writes the password, then the file; a file that cannot be
// written takes the password out again.
func storeNew(o Options, cfg *settings.Config, name, password string) error {
	if password != "" {
		if o.Secrets == nil {
			return errors.New("no keyring to keep the password in")
		}
		if err := o.Secrets.Set(name, password); err != nil {
			return err
		}
	}
	if err := settings.Save(o.ConfigPath, cfg); err != nil {
		if password != "" {
			_ = o.Secrets.Delete(name)
		}
		return err
	}
	return nil
}

// added takes an account just stored into the window as saved.
func (s *settingsWindow) added(a settings.Account, hasSecret bool) {
	s.saved.Accounts = append(s.saved.Accounts, cloneAccount(a))
	e := newAccountEdit(a, false)
	e.hasSecret = hasSecret
	s.accounts = append(s.accounts, e)
	s.selectIndex(len(s.accounts) - 1)
}

// manual is Edit manually…: a new account in the full form, with what is
// known so far; the typed password goes with it, unsaved.
func (f *addFlow) manual() {
	s := f.s
	address := f.address.Text
	a := settings.NewAccount(s.freeName("", address))
	if address == "" {
		a.Name = s.freeName(i18n.T("New account"), "")
	}
	a.Username = address
	switch {
	case f.acct.Host != "":
		a.Host, a.Port, a.Security, a.TLSFingerprint = f.acct.Host, f.acct.Port, f.acct.Security, f.acct.TLSFingerprint
	case f.result != nil && len(f.result.Servers) > 0:
		srv := f.result.Servers[0]
		a.Host, a.Port, a.Security = srv.Host, srv.Port, srv.Security
		a.TLSFingerprint = f.trusted[trustKey(a)]
		if srv.Auth == settings.AuthOAuth2 {
			a.Auth, a.OAuthProvider = settings.AuthOAuth2, srv.OAuthProvider
		}
	}
	e := newAccountEdit(a, true)
	if !a.UsesOAuth2() {
		e.password = f.password.Text
	}
	f.close()
	s.accounts = append(s.accounts, e)
	s.selectIndex(len(s.accounts) - 1)
	s.setStatus(i18n.T("Fill in the server, then click Save."))
}

// oauth is Sign in with Google/Microsoft…: the account is stored, then
// the browser opens for the sign-in; the tray connects once it is done.
func (f *addFlow) oauth(provider string) {
	s := f.s
	address := f.address.Text
	if discover.CheckAddress(address) != nil {
		f.failed(i18n.T("Enter your e-mail address first: it is the login name."))
		return
	}
	name := s.freeName(map[string]string{settings.ProviderGoogle: "Gmail", settings.ProviderMicrosoft: "Outlook"}[provider], address)
	if r := discover.Builtin(address); r != nil {
		name = s.freeName(r.Provider, address)
	}
	a := settings.NewAccount(name)
	a.Auth, a.OAuthProvider, a.Username = settings.AuthOAuth2, provider, address
	a = withPreset(a)
	cfg := s.saved.Clone()
	cfg.Accounts = append(cfg.Accounts, a)
	f.storeAccount(cfg, a, "", func(watchState) {
		if s.form != nil {
			s.form.startSignIn()
		}
	})
}

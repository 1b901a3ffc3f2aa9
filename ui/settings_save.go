package ui

import (
	"context"
	"errors"
	"fmt"

	"idlebell/i18n"
	"idlebell/settings"
)

// secretOps are the keyring changes of one Save, in the order they run.
type secretOps struct {
	renames [][2]string // old, new: the password and the OAuth2 sign-in follow the name
	sets    [][2]string // account, password
	deletes []string    // accounts removed
}

// doSave validates, then writes the keyring and the file off the Fyne
// goroutine (D-Bus round trips, fsync); then runs after, if it succeeded.
// Passwords never reach the file. With problems it saves nothing and marks
// them all.
func (s *settingsWindow) doSave(after func()) {
	if s.readOnly || s.saving {
		return
	}
	s.showAll = true
	if len(s.validate()) > 0 {
		return
	}
	s.showAll = false
	cfg := s.effective()
	var ops secretOps
	for i, e := range s.accounts {
		a := cfg.Accounts[i]
		if !e.isNew && e.saved.Name != a.Name {
			ops.renames = append(ops.renames, [2]string{e.saved.Name, a.Name})
		}
		if e.password != "" && a.PasswordCommand == "" && !a.UsesOAuth2() {
			ops.sets = append(ops.sets, [2]string{a.Name, e.password})
		}
	}
	ops.deletes = append(ops.deletes, s.removed...)
	autostart := s.autostart
	o := s.host.o
	s.saving = true
	s.save.Disable()
	s.setStatus(i18n.T("Saving…"))
	s.background(func(context.Context) func() {
		// Not cut short by closing: a half-written keyring is worse than a
		// window that closes a moment later.
		err := save(o, cfg, ops, autostart)
		w := o.watching()
		return func() { s.saveDone(cfg, err, w, after) }
	})
}

// save runs one Save's steps: renames, new passwords, the file, then the
// deletions (a failed Save leaves no account without its password).
func save(o Options, cfg *settings.Config, ops secretOps, start bool) error {
	keyrings := []settings.Secrets{o.Secrets, o.Tokens}
	for _, r := range ops.renames {
		for _, k := range keyrings {
			if k != nil {
				if err := k.Rename(r[0], r[1]); err != nil {
					return err
				}
			}
		}
	}
	for _, set := range ops.sets {
		if o.Secrets == nil {
			return errors.New("no keyring to keep the password in")
		}
		if err := o.Secrets.Set(set[0], set[1]); err != nil {
			return err
		}
	}
	if err := settings.Save(o.ConfigPath, cfg); err != nil {
		return err
	}
	for _, name := range ops.deletes {
		for _, k := range keyrings {
			if k != nil {
				if err := k.Delete(name); err != nil && !errors.Is(err, settings.ErrSecretNotFound) {
					return err
				}
			}
		}
	}
	// Also when unchanged: Set repairs an entry that starts another path.
	if autostartNote(o.Autostart) == "" {
		if err := o.Autostart.Set(start); err != nil {
			return fmt.Errorf("start at login: %w", err)
		}
	}
	if o.Watcher != nil {
		for _, set := range ops.sets {
			o.Watcher.Retry(set[0]) // a new password for an unchanged file
		}
	}
	return nil
}

// saveDone is a Save's outcome, on the Fyne goroutine; w says whether an
// idlebell runs to apply it.
func (s *settingsWindow) saveDone(cfg *settings.Config, err error, w watchState, after func()) {
	s.saving = false
	if err != nil {
		sentence, hint := describe(err)
		s.setStatus(i18n.T("Not saved: %s", joinSentences(sentence, hint)))
		s.validate()
		return
	}
	s.saved = cfg.Clone()
	for i, e := range s.accounts {
		if i >= len(cfg.Accounts) {
			break
		}
		if e.password != "" {
			e.hasSecret = true
		}
		e.saved, e.isNew, e.password = cloneAccount(cfg.Accounts[i]), false, ""
		e.acct = cloneAccount(cfg.Accounts[i])
	}
	s.removed = nil
	s.autostartSaved = s.autostart
	switch w {
	case watchRunning:
		s.setStatus(i18n.T("Saved. idlebell applies the changes now."))
	case watchStopped:
		s.setStatus(i18n.T("Saved. Start idlebell to use the changes."))
	default:
		s.setStatus(i18n.T("Saved. idlebell uses the changes whenever it runs."))
	}
	if s.form != nil {
		s.form.setText("password", "")
		s.form.updatePasswordHint()
	}
	s.list.refresh()
	s.validate()
	if after != nil {
		after()
	}
}

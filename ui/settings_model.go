package ui

import (
	"reflect"
	"slices"

	"idlebell/settings"
)

// accountEdit is one account as the settings window edits it: what the
// form shows, what the file holds, and what is kept beside the file.
type accountEdit struct {
	acct  settings.Account // as edited
	saved settings.Account // as in the file; meaningless while isNew
	isNew bool             // not in the file yet

	password  string // typed, not saved yet; "" = unchanged
	hasSecret bool   // the keyring holds a password for saved.Name

	// touched are the fields whose problems are shown: left once, or all
	// of them after Save was pressed.
	touched map[string]bool
	// state is the tray's line for the account ("connected", "login
	// failed: …"); "" when the tray has not said.
	state string
}

func newAccountEdit(a settings.Account, isNew bool) *accountEdit {
	return &accountEdit{acct: cloneAccount(a), saved: cloneAccount(a), isNew: isNew, touched: map[string]bool{}}
}

// cloneAccount copies the account's slices, so that edits never reach the
// copy kept as saved.
func cloneAccount(a settings.Account) settings.Account {
	a.Mailboxes = slices.Clone(a.Mailboxes)
	a.OAuthScopes = slices.Clone(a.OAuthScopes)
	return a
}

// changed reports whether saving would change anything for this account.
func (e *accountEdit) changed() bool {
	return e.isNew || e.password != "" || !sameAccount(withPreset(e.acct), withPreset(e.saved))
}

// sameAccount compares accounts as the file would hold them: an empty list
// and no list are the same, and so are no hook_shell and its default.
func sameAccount(a, b settings.Account) bool {
	norm := func(a settings.Account) settings.Account {
		if len(a.Mailboxes) == 0 {
			a.Mailboxes = nil
		}
		if a.HookShell == "" {
			a.HookShell = settings.HookShellPowerShell
		}
		if len(a.OAuthScopes) == 0 {
			a.OAuthScopes = nil
		}
		return a
	}
	return reflect.DeepEqual(norm(a), norm(b))
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

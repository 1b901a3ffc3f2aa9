package ui

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"idlebell/i18n"
	"idlebell/settings"
)

// loginRows are the Login section: the username, how to sign in, and the
// rows of that way (password and password command, or the OAuth2 client).
func (f *accountForm) loginRows() []*field {
	a := &f.e.acct
	f.signIn = newFieldSelect(signInValues, signInLabel, func(v string) { f.setSignIn(v) })
	f.signIn.SetValue(signInChoice(*a))
	f.signInBtn = widget.NewButton(i18n.T("Sign in…"), f.startSignIn)
	pw := newFieldPassword()
	pw.SetText(f.e.password)
	pw.OnChanged = func(v string) {
		if !f.building {
			f.e.password = v
			f.changed("password")
		}
	}
	return []*field{
		f.entry("username", i18n.T("Username"), i18n.T("Usually your e-mail address."), a.Username, func(v string) { a.Username = v }),
		f.add(newField("auth", i18n.T("Sign in with"), f.signIn, "")),
		f.add(newField("sign_in_button", "", container.NewHBox(f.signInBtn), i18n.T("Opens the provider's page in your browser; idlebell keeps the sign-in in the keyring."))),
		f.add(newField("password", i18n.T("Password"), pw, "")), // its hint: updatePasswordHint
		f.entry("password_command", i18n.T("Password command"), i18n.T("Optional, instead of the keyring: a command that prints the password, such as pass show mail/work."), a.PasswordCommand, func(v string) {
			a.PasswordCommand = v
			f.updatePasswordHint()
		}),
		f.entry("oauth_client_id", i18n.T("Client ID"), i18n.T("Empty: idlebell's own."), a.OAuthClientID, func(v string) { a.OAuthClientID = strings.TrimSpace(v) }),
		f.entry("oauth_client_secret", i18n.T("Client secret"), i18n.T("Empty: idlebell's own."), a.OAuthClientSecret, func(v string) { a.OAuthClientSecret = strings.TrimSpace(v) }),
		f.entry("oauth_auth_url", i18n.T("Authorization URL"), i18n.T("For sign-in in the browser, such as https://login.example.org/authorize."), a.OAuthAuthURL, func(v string) { a.OAuthAuthURL = strings.TrimSpace(v) }),
		f.entry("oauth_token_url", i18n.T("Token URL"), i18n.T("Such as https://login.example.org/token."), a.OAuthTokenURL, func(v string) { a.OAuthTokenURL = strings.TrimSpace(v) }),
		f.entry("oauth_device_url", i18n.T("Device URL"), i18n.T("Optional: for sign-in with a code on another device."), a.OAuthDeviceURL, func(v string) { a.OAuthDeviceURL = strings.TrimSpace(v) }),
		f.entry("oauth_scopes", i18n.T("Scopes"), i18n.T("Separated by spaces, such as imap offline_access."), strings.Join(a.OAuthScopes, " "), func(v string) {
			a.OAuthScopes = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		}),
	}
}

// setSignIn is the Sign in with select's change. Leaving OAuth2 clears the
// OAuth2 rows (they are refused with a password); choosing it forgets a
// password typed but not saved.
func (f *accountForm) setSignIn(choice string) {
	a := &f.e.acct
	if f.building || choice == signInChoice(*a) {
		return
	}
	f.building = true // the rows below report through changed once, at the end
	if choice == signInPassword {
		a.Auth, a.OAuthProvider = settings.AuthPassword, ""
		a.OAuthClientID, a.OAuthClientSecret, a.OAuthAuthURL, a.OAuthTokenURL, a.OAuthDeviceURL, a.OAuthScopes = "", "", "", "", "", nil
		for _, key := range []string{"oauth_client_id", "oauth_client_secret", "oauth_auth_url", "oauth_token_url", "oauth_device_url", "oauth_scopes"} {
			f.setText(key, "")
		}
	} else {
		a.Auth, a.OAuthProvider = settings.AuthOAuth2, choice
		f.e.password = ""
		f.setText("password", "")
	}
	f.building = false
	f.updateAuthRows()
	f.updatePasswordHint()
	f.changed("auth")
}

// updateAuthRows shows the Login rows that apply to the way of signing in,
// and names the sign-in button after the provider. With Google or
// Microsoft the server rows may stay empty: the hints say what is used.
func (f *accountForm) updateAuthRows() {
	a := f.e.acct
	oauth := a.UsesOAuth2()
	custom := oauth && a.OAuthProvider == settings.ProviderCustom
	show := map[string]bool{
		"sign_in_button":      oauth && !f.s.readOnly,
		"password":            !oauth,
		"password_command":    !oauth || a.PasswordCommand != "", // shown while it must be removed
		"oauth_client_id":     oauth,
		"oauth_client_secret": oauth,
		"oauth_auth_url":      custom,
		"oauth_token_url":     custom,
		"oauth_device_url":    custom,
		"oauth_scopes":        custom,
	}
	for key, v := range show {
		f.fields[key].setVisible(v)
	}
	switch a.OAuthProvider {
	case settings.ProviderGoogle:
		f.signInBtn.SetText(i18n.T("Sign in with Google…"))
	case settings.ProviderMicrosoft:
		f.signInBtn.SetText(i18n.T("Sign in with Microsoft…"))
	default:
		f.signInBtn.SetText(i18n.T("Sign in…"))
	}
	clientHint := i18n.T("Empty: idlebell's own.")
	if custom {
		clientHint = i18n.T("The client ID you registered with the provider.")
	}
	f.fields["oauth_client_id"].hint = clientHint
	hostHint, portHint := i18n.T("The IMAP server, such as imap.example.org."), i18n.T("Usually 993 for SSL/TLS, 143 for STARTTLS.")
	if p, ok := settings.ProviderIMAP[a.OAuthProvider]; ok && oauth {
		hostHint = i18n.T("Empty: the provider's, %s.", p.Host)
		portHint = i18n.T("Empty: the provider's, %s.", strconv.Itoa(p.Port))
	}
	f.fields["host"].hint, f.fields["port"].hint = hostHint, portHint
	for _, key := range []string{"oauth_client_id", "host", "port"} {
		fl := f.fields[key]
		if fl.problem() == "" {
			fl.setProblem("")
		}
	}
	f.s.relayout()
}

// updatePasswordHint says where the password comes from — the keyring,
// the password command or an OAuth2 sign-in — and whether one is stored,
// never what it is.
func (f *accountForm) updatePasswordHint() {
	pw := f.fields["password"]
	e := pw.input.(*fieldEntry)
	switch {
	case f.e.acct.UsesOAuth2():
		pw.hint = i18n.T("Not used: idlebell signs in through the provider's page.")
	case f.e.acct.PasswordCommand != "":
		pw.hint = i18n.T("Comes from the password command below; empty it to type a password here instead.")
	default:
		pw.hint = i18n.T("Kept in the keyring, never in the config file.")
	}
	if pw.problem() == "" {
		pw.setProblem("")
	}
	switch {
	case f.e.acct.PasswordCommand != "":
		e.SetPlaceHolder(i18n.T("From the password command"))
		e.Disable()
		return
	case f.e.hasSecret && !f.e.isNew:
		e.SetPlaceHolder(i18n.T("Stored — type to replace it"))
	default:
		e.SetPlaceHolder(i18n.T("Not stored yet"))
	}
	if !f.s.readOnly {
		e.Enable()
	}
}

// startSignIn is the Sign in with … button: a browser sign-in for the
// account as saved (the sign-in uses the file's OAuth2 client), then the
// tray reconnects it.
func (f *accountForm) startSignIn() {
	s := f.s
	if s.readOnly {
		return
	}
	if s.host.o.SignIn == nil {
		s.setStatus(i18n.T("Sign-in is not available here: run idlebell login in a terminal."))
		return
	}
	if f.e.changed() {
		s.setStatus(i18n.T("Save first: the sign-in uses the saved account."))
		return
	}
	a := withPreset(f.e.acct)
	name := safeLine(a.Name, 60)
	started := s.host.startSignIn(a, func(err error) {
		if err != nil {
			sentence, hint := describe(err)
			s.setStatus(joinSentences(sentence, hint))
			return
		}
		o := s.host.o
		s.background(func(context.Context) func() {
			w := o.watching()
			return func() {
				switch w {
				case watchRunning:
					s.setStatus(i18n.T("Signed in. idlebell connects to %s now.", name))
				case watchStopped:
					s.setStatus(i18n.T("Signed in. Start idlebell to watch %s.", name))
				default:
					s.setStatus(i18n.T("Signed in. idlebell watches %s whenever it runs.", name))
				}
			}
		})
	})
	if !started {
		s.setStatus(i18n.T("A sign-in for %s is already waiting in the browser.", name))
		return
	}
	s.setStatus(i18n.T("Sign in in the browser window that opened; idlebell waits here."))
}

package ui

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"idlebell/explain"
	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// testTimeout bounds one Test connection.
const testTimeout = 45 * time.Second

// connectionTest is the form's Test connection row: it connects, logs in
// with the password typed in the form (or the stored one) and says what it
// found; an untrusted certificate opens the certificate dialog, and
// trusting it runs the test again by itself.
type connectionTest struct {
	s      *settingsWindow
	f      *accountForm
	button *focusButton
	spin   *spinner
	result *linesLabel // resultLines tall, whatever it says
	box    fyne.CanvasObject
	run    int // answers of an older run are dropped
}

// resultLines is the height of Test connection's result, in lines: a
// longer one (a refused login and what to do) ends in "…" and shows whole
// in a tip, so that the form below does not move and the button keeps
// its size.
const resultLines = 2

func newConnectionTest(s *settingsWindow, f *accountForm) *connectionTest {
	t := &connectionTest{s: s, f: f, result: newLinesLabel(resultLines), spin: newSpinner()}
	t.button = newFocusButton(i18n.T("Test connection"), t.start)
	t.result.SizeName = theme.SizeNameText
	t.result.Importance = widget.MediumImportance
	t.result.Text = " "
	t.result.tips = s.tips
	// The button at the top of the row, at its own height.
	t.box = container.NewBorder(nil, nil, container.NewVBox(container.NewHBox(t.button, t.spin.box)), nil, t.result)
	t.button.entered = func() {
		s.ensureVisible(t.box) // with the result beside it
		t.showTip()
	}
	t.button.left = func() { s.tips.hideFor(t.result) }
	if s.readOnly || s.host.o.Test == nil {
		t.button.Disable()
		t.box.Hide() // the demo's server lives in the tray process: nothing to test from here
	}
	return t
}

// start runs the test for the account as it is in the form.
func (t *connectionTest) start() {
	if t.s.readOnly || t.s.host.o.Test == nil {
		return
	}
	a := withPreset(t.f.e.acct)
	if a.UsesOAuth2() && t.f.e.changed() {
		t.show(i18n.T("Save first: the test signs in with the saved account."), widget.MediumImportance)
		return
	}
	t.run++
	run, password, test := t.run, t.f.e.password, t.s.host.o.Test
	t.show(" ", widget.MediumImportance)
	t.spin.start()
	t.button.Disable()
	t.s.background(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, testTimeout)
		defer cancel()
		r := test(ctx, a, password)
		return func() {
			if run != t.run {
				return
			}
			t.spin.stop()
			t.button.Enable()
			t.finished(r, a)
		}
	})
}

// stop drops the answer of a running test (the form goes away).
func (t *connectionTest) stop() { t.run++ }

func (t *connectionTest) show(text string, imp widget.Importance) {
	t.result.Importance = imp
	t.result.SetText(text)
	t.s.tips.hideFor(t.result)
	t.showTip()
}

// showTip shows a result cut short whole while the button has the focus:
// the keyboard's way to read it.
func (t *connectionTest) showTip() {
	if t.button.focused && t.result.cut() {
		t.s.tips.show(t.result, t.result.Text, t.result.Importance)
	}
}

// finished shows the outcome; an untrusted certificate asks.
func (t *connectionTest) finished(r *imapwatch.CheckResult, a settings.Account) {
	if r == nil {
		t.show(i18n.T("The test did not finish."), widget.DangerImportance)
		return
	}
	var cerr *imapwatch.CertificateError
	if errors.As(r.Err, &cerr) && cerr.Fingerprint != "" && !t.s.readOnly {
		t.show(i18n.T("The server's certificate is not trusted."), widget.WarningImportance)
		showCertDialog(t.s.w, newCertInfo(cerr, a.TLSFingerprint != "", time.Now()), func() {
			t.f.trust(cerr.Fingerprint)
			t.start() // and on: the test continues with the trusted certificate
		})
		return
	}
	if !r.OK() {
		sentence, hint := describe(r.Err)
		if h := formHint(r.Err); h != "" {
			hint = h
		}
		t.show(joinSentences(sentence, hint), widget.DangerImportance)
		return
	}
	t.show(connectedText(r, a), widget.SuccessImportance)
}

// trust pins the certificate into the form (an unsaved edit, like typing it).
func (f *accountForm) trust(fingerprint string) {
	f.e.acct.TLSFingerprint = fingerprint
	f.setText("tls_fingerprint", fingerprint)
	f.changed("tls_fingerprint")
}

// connectedText is a passed test in one sentence: "Connected. IDLE
// supported, 3 unread in INBOX."
func connectedText(r *imapwatch.CheckResult, a settings.Account) string {
	idle := i18n.T("IDLE supported")
	if !r.Idle {
		idle = noIdleText(a.WithDefaults().PollInterval.Duration)
	}
	var counts []string
	for _, m := range r.Mailboxes {
		counts = append(counts, i18n.T("%d unread in %s", m.Unseen, safeLine(m.Name, 60)))
	}
	if len(counts) == 0 {
		return i18n.T("Connected: %s.", idle)
	}
	return i18n.T("Connected: %s, %s.", idle, strings.Join(counts, ", "))
}

// noIdleText says how often a server without IDLE is checked, in words:
// "no IDLE: checked every 2 minutes".
func noIdleText(every time.Duration) string {
	switch {
	case every == time.Minute:
		return i18n.T("no IDLE: checked every minute")
	case every%time.Minute == 0:
		m := int(every / time.Minute)
		return i18n.N("no IDLE: checked every %d minute", "no IDLE: checked every %d minutes", m, m)
	}
	s := int(every.Round(time.Second) / time.Second)
	return i18n.N("no IDLE: checked every %d second", "no IDLE: checked every %d seconds", s, s)
}

// describe is explain's sentence and hint for err, in the user's language,
// for a one-shot action (the window does not try again by itself).
func describe(err error) (sentence, hint string) {
	return explain.DescribeOnce(i18n.Template, err)
}

// joinSentences is a sentence for a status line from explain's short
// sentence and its hint: "Login failed: check the password. The server…"
func joinSentences(sentence, hint string) string {
	out := capitalise(sentence)
	if hint != "" {
		out += " " + hint
	}
	return out
}

// formHint is what to do about err in the form's own words, where
// explain's hint names config keys; "" keeps explain's.
func formHint(err error) string {
	var recErr tls.RecordHeaderError
	var serr *settings.SecretError
	switch {
	case errors.Is(err, imapwatch.ErrPlaintextRefused):
		return i18n.T("Choose SSL/TLS or STARTTLS under Security, or tick “Allow sending the password unencrypted” if you trust this network.")
	case errors.Is(err, imapwatch.ErrNoTLS):
		return i18n.T("Choose SSL/TLS under Security (usually port 993).")
	case errors.As(err, &recErr):
		return i18n.T("This port does not speak SSL/TLS: choose STARTTLS under Security, or port 993.")
	case errors.As(err, &serr) && !serr.Token && errors.Is(err, settings.ErrSecretNotFound),
		errors.Is(err, imapwatch.ErrNoSecret):
		return i18n.T("Type the password in the Password field.")
	}
	return ""
}

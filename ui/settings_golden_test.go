package ui

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"idlebell/discover"
	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
	"idlebell/settings"
)

func filledConfig() *settings.Config {
	cfg := cfgWith(3, true, "Work", "Home")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "imap.example.com", "alice@example.com"
	cfg.Accounts[1].Host, cfg.Accounts[1].Username, cfg.Accounts[1].Enabled = "imap.home.example", "alice", false
	return cfg
}

// TestSettingsGolden keeps the window's layout: the filled form in English
// and German, the add flow's found step and the certificate dialog in
// German.
func TestSettingsGolden(t *testing.T) {
	for _, lang := range []struct{ name, locale string }{{"en", "C.UTF-8"}, {"de", "de_DE.UTF-8"}} {
		t.Run("filled_"+lang.name, func(t *testing.T) {
			i18ntest.Use(t, lang.locale)
			h := newSettingsHarness(t, filledConfig(), false)
			h.drainUntil("keyring look-ups", func() bool { return h.s.accounts[0].hasSecret })
			h.host.accountState("Work", "3 unread · connected")
			h.fill(h.entry("port"), "0")
			test.AssertRendersToMarkup(t, "settings_filled_"+lang.name+".xml", h.s.w.Canvas())
		})
	}
	t.Run("add_found_de", func(t *testing.T) {
		i18ntest.Use(t, "de_DE.UTF-8")
		h := newSettingsHarness(t, settings.Default(), false)
		h.findFn = func(_ context.Context, address string) (*discover.Result, error) {
			return discover.Builtin(address), nil
		}
		f := h.openAdd("max@gmx.de", "geheim")
		test.Tap(f.next)
		h.drainUntil("the server found", func() bool { return f.second.Visible() })
		test.AssertRendersToMarkup(t, "add_found_de.xml", h.s.w.Canvas())
	})
	t.Run("certificate_de", func(t *testing.T) {
		i18ntest.Use(t, "de_DE.UTF-8")
		h := newSettingsHarness(t, workConfig(), false)
		cert := fixedCert(t)
		h.testFn = func(context.Context, settings.Account, string) *imapwatch.CheckResult {
			return untrusted(cert, "imap.example.com")
		}
		h.s.w.Resize(fyne.NewSize(900, 760))
		test.Tap(h.s.form.test.button)
		h.drainUntil("the dialog", func() bool { return topOverlay(h.s.w) != nil })
		test.AssertRendersToMarkup(t, "certificate_de.xml", h.s.w.Canvas())
	})
}

// fixedCert is testdata/mail.example.net.pem: the golden markup shows its
// fingerprint.
func fixedCert(t *testing.T) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile("testdata/mail.example.net.pem")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatal("testdata/mail.example.net.pem: no PEM block")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

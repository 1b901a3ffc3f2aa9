package main

import (
	"fmt"
	"strings"
	"testing"

	"idlebell/internal/testsession"
	"idlebell/settings"
)

// TestE2EGerman runs the tray app with LANG=de_DE.UTF-8: the menu read
// over dbusmenu is German, and so is the summary bubble of a burst of two
// mails (max_bubbles = 1: the second mail turns the first bubble into a
// summary).
func TestE2EGerman(t *testing.T) {
	env := testsession.FromEnv(t)
	d := testsession.DesktopFromEnv(t)
	a := newTrayAccount(t, env, env.Dovecot.Password(), func(c *settings.Config) { c.Notifications.MaxBubbles = 1 })
	notes := watchNotifications(t, d)
	p := startTrayAppEnv(t, d, a.dir, []string{"LANG=de_DE.UTF-8", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE="})
	items := waitMenu(t, d, p.pid, "the account connected", hasLine(a.name+" –", "verbunden"))
	for _, want := range []string{"Beenden", "Einstellungen…", "Benachrichtigungen pausieren", "Über idlebell"} {
		if _, ok := testsession.FindMenuItem(items, want); !ok {
			t.Errorf("menu lacks %q: %s", want, menuLabels(items))
		}
	}
	for _, english := range []string{"Quit", "Settings…", "Pause notifications"} {
		if _, ok := testsession.FindMenuItem(items, english); ok {
			t.Errorf("menu has %q in English: %s", english, menuLabels(items))
		}
	}

	tok := trayToken()
	for i, from := range []string{"Anna " + tok + " <anna@example.org>", "Bernd " + tok + " <bernd@example.org>"} {
		msg := testsession.Message(from, a.user+"@localhost", fmt.Sprintf("Treffen %d %s", i, tok), "x")
		if err := env.Dovecot.Deliver(a.user, msg); err != nil {
			t.Fatal(err)
		}
	}
	summary := nextNotify(t, notes, "the German summary of two mails", func(n testsession.Notification) bool {
		return strings.HasPrefix(n.Summary, "2 ")
	}, nil)
	if want := "2 neue Nachrichten in " + a.name; summary.Summary != want {
		t.Errorf("summary title = %q, want %q", summary.Summary, want)
	}
	if want := "von Anna " + tok + " und Bernd " + tok; !strings.Contains(summary.Body, want) {
		t.Errorf("summary body = %q, want it to say %q", summary.Body, want)
	}
}

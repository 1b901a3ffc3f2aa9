package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"idlebell/discover"
	"idlebell/i18n/i18ntest"
	"idlebell/settings"
)

// TestAddSaysWhetherIdlebellRuns: after Add and Save the window says what
// happens next as it is: a tray that started the window, or another
// idlebell that holds the state file's lock, connects now; with none
// running, the account waits for idlebell to start.
func TestAddSaysWhetherIdlebellRuns(t *testing.T) {
	tests := []struct {
		name, locale     string
		fromTray, locked bool
		added, saved     string
	}{
		{"from the tray", "C.UTF-8", true, false,
			"Added GMX. idlebell connects to it now.", "Saved. idlebell applies the changes now."},
		{"alone, idlebell runs", "C.UTF-8", false, true,
			"Added GMX. idlebell connects to it now.", "Saved. idlebell applies the changes now."},
		{"alone, none runs", "C.UTF-8", false, false,
			"Added GMX. Start idlebell to watch it.", "Saved. Start idlebell to use the changes."},
		{"alone, none runs, German", "de_DE.UTF-8", false, false,
			"GMX hinzugefügt. Starten Sie idlebell, um das Konto zu überwachen.", "Gespeichert. Starten Sie idlebell, damit es die Änderungen übernimmt."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i18ntest.Use(t, tt.locale)
			h := newSettingsHarness(t, workConfig(), false)
			statePath := filepath.Join(t.TempDir(), "idlebell", "state.json")
			if !tt.fromTray {
				h.host.o.Watcher, h.host.o.StatePath = nil, statePath
			}
			if tt.locked {
				l, err := settings.LockState(statePath) // as a running idlebell holds it
				if err != nil {
					t.Fatal(err)
				}
				defer l.Unlock()
			}
			h.findFn = func(_ context.Context, address string) (*discover.Result, error) { return gmxResult(address), nil }
			f := h.openAdd("max@gmx.de", "geheim")
			test.Tap(f.next)
			h.drainUntil("the server found", func() bool { return f.second.Visible() })
			test.Tap(f.add)
			h.drainUntil("the account stored", func() bool { return h.s.adding == nil && h.s.status.Text != "" })
			if got := h.s.status.Text; got != tt.added {
				t.Errorf("after Add the window says %q, want %q", got, tt.added)
			}

			h.fill(h.entry("host"), "imap2.gmx.net")
			test.Tap(h.s.save)
			h.drainUntil("the save", func() bool { return !h.s.saving && !strings.HasSuffix(h.s.status.Text, "…") })
			if got := h.s.status.Text; got != tt.saved {
				t.Errorf("after Save the window says %q, want %q", got, tt.saved)
			}
		})
	}
}

// TestSignInSaysWhetherIdlebellRuns: a sign-in that Add with Google…
// started ends in the same truth.
func TestSignInSaysWhetherIdlebellRuns(t *testing.T) {
	i18ntest.Use(t, "C.UTF-8")
	for _, locked := range []bool{true, false} {
		h := newSettingsHarness(t, settings.Default(), false)
		statePath := filepath.Join(t.TempDir(), "state.json")
		h.host.o.Watcher, h.host.o.StatePath = nil, statePath
		want := "Signed in. Start idlebell to watch Gmail."
		if locked {
			l, err := settings.LockState(statePath)
			if err != nil {
				t.Fatal(err)
			}
			want = "Signed in. idlebell connects to Gmail now."
			defer l.Unlock()
		}
		h.openAdd("alice@gmail.com", "")
		test.Tap(buttonIn(t, topOverlay(h.s.w), "Sign in with Google…"))
		h.drainUntil("the account stored", func() bool { return h.s.adding == nil })
		h.signIn.next(t)
		h.signIn.result <- nil
		h.drainUntil("the sign-in", func() bool { return strings.HasPrefix(h.s.status.Text, "Signed in") })
		if got := h.s.status.Text; got != want {
			t.Errorf("lock held %v: after the sign-in the window says %q, want %q", locked, got, want)
		}
	}
}

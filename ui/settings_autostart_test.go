package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"idlebell/appinfo"
	"idlebell/autostart"
)

var (
	testApp = appinfo.Info{ID: "io.github.idlebell", Name: "idlebell", Version: "1.2.3+4.gabc1234", Build: 1,
		Comment: "New-mail notifications over IMAP IDLE"}
	// testAutostart starts an installed idlebell (the file need not exist).
	testAutostart = autostart.Entry{App: testApp, Program: "/opt/idle bell/bin/idlebell"}
)

func TestSettingsStartAtLogin(t *testing.T) {
	cfg := cfgWith(3, true, "Work")
	cfg.Accounts[0].Host, cfg.Accounts[0].Username = "imap.example.com", "alice"
	h := newSettingsHarness(t, cfg, false)
	s := h.s
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "io.github.idlebell.desktop")
	if s.startAtIn.Checked || s.startAtIn.Disabled() {
		t.Fatalf("Start at login box: checked %v, disabled %v; want unchecked and usable", s.startAtIn.Checked, s.startAtIn.Disabled())
	}

	test.Tap(s.startAtIn)
	test.Tap(s.save)
	h.drainUntil("the save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("after ticking Start at login and Save: %v", err)
	}
	if !strings.Contains(string(b), "\nExec=\"/opt/idle bell/bin/idlebell\"\n") {
		t.Errorf("autostart entry does not start the installed idlebell:\n%s", b)
	}

	// A window opened later shows the entry as on.
	if again := newSettingsWindow(s.t, s.o, s.do); !again.startAtIn.Checked {
		t.Error("Start at login box unchecked while the entry is there")
	}

	test.Tap(s.startAtIn)
	test.Tap(s.save)
	h.drainUntil("the second save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("after unticking and Save: stat %s = %v, want no file", path, err)
	}
}

func TestSettingsStartAtLoginFromBuildFolder(t *testing.T) {
	h := newSettingsHarness(t, cfgWith(3, true, "Work"), false)
	o := h.s.o
	o.Autostart.Program = "" // autostart.Program found no installed idlebell
	s := newSettingsWindow(h.s.t, o, h.s.do)
	if !s.startAtIn.Disabled() {
		t.Error("Start at login box enabled while idlebell runs from its build folder")
	}
	for _, obj := range test.LaidOutObjects(s.w.Content()) {
		if tabs, ok := obj.(*container.AppTabs); ok {
			for _, ti := range tabs.Items {
				if ti.Text == "General" {
					tabs.Select(ti)
				}
			}
		}
	}
	var note string
	for _, obj := range test.LaidOutObjects(s.w.Content()) {
		if l, ok := obj.(*widget.Label); ok && strings.Contains(l.Text, "make install") {
			note = l.Text
		}
	}
	if note != "Install idlebell first (make install) to start it at login." {
		t.Errorf("note beside the box = %q, want the install hint", note)
	}
}

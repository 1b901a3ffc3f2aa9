package ui

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"idlebell/appinfo"
	"idlebell/autostart"
	"idlebell/i18n/i18ntest"
)

var (
	testApp = appinfo.Info{ID: "io.github.idlebell", Name: "idlebell", Version: "1.2.3+4.gabc1234", Build: 1,
		Comment: "New-mail notifications over IMAP IDLE"}
	// testAutostart starts an installed idlebell (the file need not exist).
	testAutostart = autostart.Entry{App: testApp, Program: "/opt/idle bell/bin/idlebell"}
)

func (h *settingsHarness) startAtLogin() *fieldCheck {
	return h.s.genTab.fields["start_at_login"].input.(*fieldCheck)
}

func TestSettingsStartAtLogin(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	s := h.s
	path := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "io.github.idlebell.desktop")
	box := h.startAtLogin()
	if box.Checked || box.Disabled() {
		t.Fatalf("Start at login box: checked %v, disabled %v; want unchecked and usable", box.Checked, box.Disabled())
	}
	test.Tap(box)
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
	if again := newSettingsWindow(h.host, h.host.o, h.host.do); !again.genTab.fields["start_at_login"].input.(*fieldCheck).Checked {
		t.Error("Start at login box unchecked while the entry is there")
	}
	test.Tap(box)
	test.Tap(s.save)
	h.drainUntil("the second save", func() bool { return strings.HasPrefix(s.status.Text, "Saved") })
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("after unticking and Save: stat %s = %v, want no file", path, err)
	}
}

func TestSettingsStartAtLoginFromBuildFolder(t *testing.T) {
	h := newSettingsHarness(t, workConfig(), false)
	o := h.host.o
	o.Autostart.Program = "" // autostart.Program found no installed idlebell
	h.host.o = o
	s := newSettingsWindow(h.host, o, h.host.do)
	f := s.genTab.fields["start_at_login"]
	if !f.input.(*fieldCheck).Disabled() {
		t.Error("Start at login box enabled while idlebell runs from its build folder")
	}
	if want := installHint(runtime.GOOS); f.help.Text != want {
		t.Errorf("note beside the box = %q, want the install hint %q", f.help.Text, want)
	}
}

// TestInstallHintPerSystem: the note beside a disabled Start at login box
// tells each system's users what is true there: make install exists for
// Linux and the BSDs; on Windows and macOS the program must move out of
// its build folder to a folder where it stays. In English and German.
func TestInstallHintPerSystem(t *testing.T) {
	tests := []struct {
		goos, en, de string
	}{
		{"linux", "Install idlebell first (make install) to start it at login.",
			"Installieren Sie idlebell zuerst (make install), damit es beim Anmelden startet."},
		{"freebsd", "Install idlebell first (make install) to start it at login.",
			"Installieren Sie idlebell zuerst (make install), damit es beim Anmelden startet."},
		{"windows", `To start idlebell at login, move idlebell.exe out of its build folder to a folder where it stays (such as %LocalAppData%\Programs\idlebell) and start it from there.`,
			`Damit idlebell beim Anmelden startet, verschieben Sie idlebell.exe aus seinem Build-Ordner in einen Ordner, in dem es bleibt (etwa %LocalAppData%\Programs\idlebell), und starten Sie es von dort.`},
		{"darwin", "To start idlebell at login, copy idlebell out of its build folder to a folder where it stays (such as /usr/local/bin) and start it from there.",
			"Damit idlebell beim Anmelden startet, kopieren Sie idlebell aus seinem Build-Ordner in einen Ordner, in dem es bleibt (etwa /usr/local/bin), und starten Sie es von dort."},
	}
	for _, lang := range []string{"C.UTF-8", "de_DE.UTF-8"} {
		i18ntest.Use(t, lang)
		for _, tt := range tests {
			want := tt.en
			if lang != "C.UTF-8" {
				want = tt.de
			}
			if got := installHint(tt.goos); got != want {
				t.Errorf("%s, %s: installHint = %q, want %q", lang, tt.goos, got, want)
			}
		}
	}
}

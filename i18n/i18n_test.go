package i18n

import (
	"bytes"
	"embed"
	"log"
	"os"
	"os/exec"
	"testing"

	// Fyne's lang reads the locale while the program initialises: linked
	// in, TestQuietStart sees what it prints.
	_ "fyne.io/fyne/v2/lang"
)

//go:embed testdata/translations
var testTranslations embed.FS

// useLocale loads the test translations with the environment set as env
// says (unset variables cleared) until t ends, and returns what lang and
// Fyne log meanwhile.
func useLocale(t *testing.T, env map[string]string) *bytes.Buffer {
	t.Helper()
	t.Cleanup(Reload)
	for _, k := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		t.Setenv(k, env[k])
	}
	var logged bytes.Buffer
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	if err := load(testTranslations, "testdata/translations"); err != nil {
		t.Fatal(err)
	}
	return &logged
}

func TestGerman(t *testing.T) {
	logged := useLocale(t, map[string]string{"LANG": "de_DE.UTF-8"})
	tests := []struct{ got, want string }{
		{T("Quit"), "Beenden"},
		{T("Remove %q?", "Work"), `"Work" entfernen?`},
		{T("%s on %s", "INBOX", "Work"), "Work: INBOX"},
		{N("%d new message", "%d new messages", 1, 1), "1 neue Nachricht"},
		{N("%d new message", "%d new messages", 7, 7), "7 neue Nachrichten"},
		{N("%d new message", "%d new messages", 0, 0), "0 neue Nachrichten"},
		{T("Not translated %d", 3), "Not translated 3"}, // English, quietly
		{Template("can't find {{.Host}}", map[string]any{"Host": "imap.example.org"}), "imap.example.org nicht gefunden"},
		{Template("not translated {{.Host}}", map[string]any{"Host": "x"}), "not translated x"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d = %q, want %q", i, tt.got, tt.want)
		}
	}
	if Language() != "de" {
		t.Errorf("Language() = %q, want de", Language())
	}
	if logged.Len() > 0 {
		t.Errorf("logged:\n%s", logged)
	}
}

func TestEnglish(t *testing.T) {
	logged := useLocale(t, map[string]string{"LANG": "en_GB.UTF-8"})
	tests := []struct{ got, want string }{
		{T("Quit"), "Quit"},
		{T("%s on %s", "INBOX", "Work"), "INBOX on Work"},
		{N("%d new message", "%d new messages", 1, 1), "1 new message"},
		{N("%d new message", "%d new messages", 2, 2), "2 new messages"},
		{T("100%"), "100%"}, // no args: not a format
		{Template("can't find {{.Host}}", map[string]any{"Host": "imap.example.org"}), "can't find imap.example.org"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d = %q, want %q", i, tt.got, tt.want)
		}
	}
	if logged.Len() > 0 {
		t.Errorf("logged:\n%s", logged)
	}
}

// TestLocaleChoice follows gettext: LC_ALL, then LC_MESSAGES, then LANG name
// the locale; LANGUAGE, a list, overrides them unless the locale is C; C,
// POSIX and C.UTF-8 mean English. From a LANGUAGE list the first language
// idlebell has wins; without one, English.
func TestLocaleChoice(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string // T("Quit")
	}{
		{"nothing set", nil, "Quit"},
		{"C", map[string]string{"LANG": "C"}, "Quit"},
		{"POSIX", map[string]string{"LANG": "POSIX"}, "Quit"},
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "Quit"},
		{"C.utf8", map[string]string{"LC_ALL": "C.utf8"}, "Quit"},
		{"C.UTF-8 ignores LANGUAGE", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "de"}, "Quit"},
		{"LANG", map[string]string{"LANG": "de_AT.UTF-8"}, "Beenden"},
		{"LC_MESSAGES over LANG", map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_DE.UTF-8"}, "Beenden"},
		{"LC_ALL over LC_MESSAGES", map[string]string{"LC_MESSAGES": "de_DE.UTF-8", "LC_ALL": "en_US.UTF-8"}, "Quit"},
		{"LANGUAGE over LANG", map[string]string{"LANG": "en_US.UTF-8", "LANGUAGE": "de_CH:en"}, "Beenden"},
		{"LANGUAGE list, first idlebell has", map[string]string{"LANG": "en_US.UTF-8", "LANGUAGE": "fr:de:en"}, "Beenden"},
		{"LANGUAGE list, English first", map[string]string{"LANG": "de_DE.UTF-8", "LANGUAGE": "en:de"}, "Quit"},
		{"French", map[string]string{"LANG": "fr_FR.UTF-8"}, "Quit"},
		{"Japanese", map[string]string{"LANG": "ja_JP.UTF-8"}, "Quit"},
		{"German with modifier", map[string]string{"LANG": "de_DE@euro"}, "Beenden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logged := useLocale(t, tt.env)
			if got := T("Quit"); got != tt.want {
				t.Errorf("T(Quit) = %q, want %q", got, tt.want)
			}
			// a plural and a text the test file lacks: neither may log
			N("%d new message", "%d new messages", 3, 3)
			T("Not translated")
			Template("not translated {{.X}}", nil)
			if logged.Len() > 0 {
				t.Errorf("logged:\n%s", logged)
			}
		})
	}
}

// TestQuietStart runs this test binary again under LANG=C.UTF-8, Debian's
// default: lang reads the locale while the program initialises, before
// main, and must not print "Fyne error: Error parsing user locale C".
func TestQuietStart(t *testing.T) {
	if os.Getenv("IDLEBELL_I18N_CHILD") == "1" {
		return
	}
	for _, loc := range []string{"C.UTF-8", "C", "POSIX", "de_DE.UTF-8"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestQuietStart$", "-test.count=1")
		cmd.Env = append(os.Environ(), "IDLEBELL_I18N_CHILD=1", "LANG="+loc, "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("LANG=%s: %v\n%s", loc, err, stderr.Bytes())
		}
		if stderr.Len() > 0 {
			t.Errorf("LANG=%s: the program printed on start:\n%s", loc, stderr.Bytes())
		}
	}
}

// TestTranslationsParse loads the embedded files as the program does.
func TestTranslationsParse(t *testing.T) {
	if err := load(translations, "translations"); err != nil {
		t.Fatal(err)
	}
}

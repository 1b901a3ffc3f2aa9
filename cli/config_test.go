package cli

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"idlebell/i18n/i18ntest"
)

// TestConfigUnreadable: a folder where the config file should be is said
// as what it is, with its path, in the user's language, by check, login,
// headless and the settings window (exit status 2: a config that cannot
// be used); never as a network failure, and the folder is not touched.
func TestConfigUnreadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config.toml")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ locale, sentence, hint, title string }{
		{"C.UTF-8", "the config file " + dir + " is a folder. Move the folder away", "--config", "idlebell can't read its config file."},
		{"de_DE.UTF-8", "die Konfigurationsdatei " + dir + " ist ein Ordner. Verschieben Sie den Ordner", "--config", "idlebell kann seine Konfigurationsdatei nicht lesen."},
	} {
		i18ntest.Use(t, c.locale)
		for _, args := range [][]string{{"check", "--config", dir}, {"login", "--config", dir, "Gmail"}} {
			code, stdout, stderr := run(t, Env{Secrets: passwords{}}, args...)
			want := "idlebell " + args[0] + ": " + c.sentence
			if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, c.hint) {
				t.Errorf("%s: idlebell %q = %d, stdout %q, stderr %q; want 2 and %q", c.locale, args, code, stdout, stderr, want)
			}
		}
		var stderr bytes.Buffer
		cfg, cfgErr, _, firstRun, code := StartConfig(dir, true, &stderr, slog.New(slog.DiscardHandler))
		if cfg != nil || code != exitUsage || firstRun || !strings.HasPrefix(stderr.String(), "idlebell: "+c.sentence) {
			t.Errorf("%s: headless StartConfig(folder) = %v, %v, first run %v, %d, stderr %q", c.locale, cfg, cfgErr, firstRun, code, stderr.String())
		}
		cfg, cfgErr, _, firstRun, code = StartConfig(dir, false, &stderr, slog.New(slog.DiscardHandler))
		if cfg != nil || cfgErr == nil || firstRun || code != exitOK {
			t.Errorf("%s: tray StartConfig(folder) = %v, %v, first run %v, %d: want the error kept for the tray, no first run", c.locale, cfg, cfgErr, firstRun, code)
		}
		var w SettingsWindow
		env := Env{Secrets: passwords{}, Settings: func(_ context.Context, got SettingsWindow) int { w = got; return 2 }}
		if code, _, _ := run(t, env, "settings", "--config", dir); code != 2 || w.ProblemTitle != c.title || !strings.HasPrefix(w.Problem, sentenceCase(c.sentence)) || w.Problem[:1] == c.sentence[:1] {
			t.Errorf("%s: settings window for a folder: %d, title %q, problem %q", c.locale, code, w.ProblemTitle, w.Problem)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the folder now holds %v (%v)", entries, err)
	}
}

// TestConfigErrorsGerman: a config with errors is told in German by check,
// headless and the settings window, one problem a line with its path and
// line; the TOML library's own words only in parentheses.
func TestConfigErrorsGerman(t *testing.T) {
	i18ntest.Use(t, "de_DE.UTF-8")
	path := writeFile(t, "[[account]]\nname = \"Arbeit\"\nhost = \"imap.example.com\"\nport = 99999\nusername = \"a\"\n\n[[account]]\nname = \"Privat\"\nusername = \"b\nc\"\n")
	want := []string{
		path + ": Zeile 9: account.username: kein gültiges TOML (",
	}
	code, stdout, stderr := run(t, Env{Secrets: passwords{}}, "check", "--config", path)
	for _, w := range want {
		if code != exitUsage || stdout != "" || !strings.HasPrefix(stderr, w) {
			t.Errorf("check with a broken config = %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, w)
		}
	}
	valid := writeFile(t, "[[account]]\nname = \"Arbeit\"\nhost = \"imap.example.com\"\nport = 99999\nusername = \"a\"\nmailboxes = []\n")
	lines := []string{
		valid + ": Zeile 4: Konto „Arbeit“: port: 99999 ist kein gültiger Port: Verwenden Sie 1 bis 65535",
		valid + ": Zeile 6: Konto „Arbeit“: mailboxes: nennt keinen Ordner: Nennen Sie mindestens einen",
	}
	var stderrBuf bytes.Buffer
	if _, _, _, _, code := StartConfig(valid, true, &stderrBuf, slog.New(slog.DiscardHandler)); code != exitUsage {
		t.Errorf("headless StartConfig(invalid) = %d, want 2", code)
	}
	var w SettingsWindow
	env := Env{Secrets: passwords{}, Settings: func(_ context.Context, got SettingsWindow) int { w = got; return 2 }}
	run(t, env, "settings", "--config", valid)
	for _, l := range lines {
		if !strings.HasPrefix(stderrBuf.String(), "idlebell: "+valid) || !strings.Contains(stderrBuf.String(), l) {
			t.Errorf("headless stderr %q lacks %q", stderrBuf.String(), l)
		}
		if !strings.Contains(w.Problem, l) || w.ProblemTitle != "Die Konfigurationsdatei hat Fehler. Beheben Sie sie in einem Texteditor; idlebell lädt die Datei neu, sobald sie gespeichert ist." {
			t.Errorf("settings window: title %q, problem %q; want the German title and %q", w.ProblemTitle, w.Problem, l)
		}
	}
}

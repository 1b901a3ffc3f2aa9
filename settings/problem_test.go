package settings

import (
	"strings"
	"testing"

	"idlebell/i18n/i18ntest"
)

// TestProblemsTranslated: every problem Load finds (syntax, unknown key,
// wrong type, bad value, version) carries its sentence as a marked text,
// and says it in the user's language: German words around the keys and
// values as written, the location translated, the TOML library's words
// only in parentheses.
func TestProblemsTranslated(t *testing.T) {
	head := "[[account]]\nname = \"Arbeit\"\nhost = \"imap.example.com\"\nusername = \"a\"\n"
	tests := []struct {
		name, text string
		kind       ProblemKind
		german     string // Localized, after the path
	}{
		{"newline in a string", head + "password_command = \"pass\nshow\"\n", ProblemSyntax,
			"Zeile 5: account.password_command: kein gültiges TOML ("},
		{"not UTF-8", "version = 1\n\xff\n", ProblemSyntax, "Zeile 2: die Datei ist kein UTF-8-Text: Ist das die richtige Datei?"},
		{"port", head + "port = 99999\n", ProblemValue,
			"Zeile 5: Konto „Arbeit“: port: 99999 ist kein gültiger Port: Verwenden Sie 1 bis 65535 (meist 993 für tls, 143 für starttls oder none)"},
		{"unknown key", "colour = \"red\"\n", ProblemUnknownKey,
			"Zeile 1: colour: unbekannter Schlüssel \"colour\" auf oberster Ebene: Entfernen Sie ihn"},
		{"wrong type", head + "port = 993.5\n", ProblemType,
			"Zeile 5: Konto „Arbeit“: port: muss eine ganze Zahl sein, nicht eine Dezimalzahl"},
		{"version", "version = 7\n", ProblemVersion, "Zeile 1: version: Version 7 wird nicht unterstützt"},
		{"duration", head + "poll_interval = \"2 minutes\"\n", ProblemValue,
			"Zeile 5: Konto „Arbeit“: poll_interval: \"2 minutes\" ist keine Dauer: Schreiben Sie sie wie \"90s\""},
	}
	for _, tc := range tests {
		i18ntest.Use(t, "C.UTF-8")
		e, path := loadProblems(t, tc.text)
		p := e.Problems[0]
		if p.Text == "" || p.Kind != tc.kind {
			t.Errorf("%s: problem %+v has no marked text or kind %d, want %d", tc.name, p, p.Kind, tc.kind)
		}
		if got := p.Translated(); got != p.Message {
			t.Errorf("%s: English Translated() = %q, want Message %q", tc.name, got, p.Message)
		}
		i18ntest.Use(t, "de_DE.UTF-8")
		if got := e.Localized(); !strings.HasPrefix(got, path+": "+tc.german) {
			t.Errorf("%s: German Localized() = %q, want %q…", tc.name, got, path+": "+tc.german)
		}
	}
}

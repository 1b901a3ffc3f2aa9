package cli

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
	"idlebell/settings"
)

// TestCheckTableGerman: with LANG=de_DE.UTF-8 the table's words, the
// failure and its hint are German; the server's own values are not
// translated.
func TestCheckTableGerman(t *testing.T) {
	i18ntest.Use(t, "de_DE.UTF-8")
	ok := imapwatch.CheckResult{Account: "Arbeit", Addr: "127.0.0.1:993", Security: imapwatch.SecurityTLS, IPs: []string{"127.0.0.1"},
		TLSVersion: "TLS 1.3", CertSubject: "CN=localhost", CertFingerprint: "sha256:AB", Idle: true, AuthMethod: "LOGIN",
		RTT: 2 * time.Millisecond, Mailboxes: []imapwatch.MailboxCheck{{Name: "INBOX", Exists: true, Messages: 5, Unseen: 2}}}
	refused := imapwatch.CheckResult{Account: "Privat", Addr: "127.0.0.1:1", Security: imapwatch.SecurityTLS, IPs: []string{"127.0.0.1"},
		Step: "connect", Err: fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: syscall.ECONNREFUSED})}
	var b bytes.Buffer
	reports := []checkReport{newCheckReport(&ok, settings.Account{Username: "anna"}, time.Now()), newCheckReport(&refused, settings.Account{Username: "anna"}, time.Now())}
	if err := writeCheckTable(&b, reports); err != nil {
		t.Fatal(err)
	}
	want := `Arbeit (127.0.0.1:993, tls): ok
  ok      Auflösen      127.0.0.1
  ok      Verbinden     127.0.0.1:993
  ok      TLS           TLS 1.3, CN=localhost, sha256:AB
  ok      Anmeldung     als anna, Passwort (LOGIN)
  ok      Fähigkeiten   IDLE ja, NOTIFY nein, CONDSTORE nein, PREVIEW nein
  ok      Ordner        INBOX: 5 Nachrichten, 2 ungelesen
  ok      Umlaufzeit    2,00 ms

Privat (127.0.0.1:1, tls): FEHLGESCHLAGEN
  ok      Auflösen      127.0.0.1
  FEHLER  Verbinden     127.0.0.1:1 hat die Verbindung abgelehnt
                        Prüfen Sie den Port und ob der Server läuft.
`
	if b.String() != want {
		t.Errorf("German table:\n%s\nwant\n%s", b.String(), want)
	}
}

// TestLoginGerman: the account's name is quoted the German way.
func TestLoginGerman(t *testing.T) {
	i18ntest.Use(t, "de_DE.UTF-8")
	path := writeFile(t, "[[account]]\nname = \"Arbeit\"\nhost = \"imap.example.com\"\nusername = \"a\"\n")
	for _, tt := range []struct{ name, want string }{
		{"Privat", "idlebell login: kein Konto namens „Privat“ in " + path},
		{"Arbeit", "idlebell login: Konto „Arbeit“ meldet sich mit Passwort an"},
	} {
		_, _, stderr := run(t, Env{}, "login", "--config", path, tt.name)
		if !strings.HasPrefix(stderr, tt.want) {
			t.Errorf("idlebell login %s: stderr %q, want it to start with %q", tt.name, stderr, tt.want)
		}
	}
}

// TestHelpGerman: `idlebell --help` and each subcommand's --help under
// LANG=de_DE.UTF-8 are German, with every flag under its own name: no
// line of the English help but the examples and the flag names stays.
func TestHelpGerman(t *testing.T) {
	help := func(args ...string) string {
		var b bytes.Buffer
		if _, ok := Run(Env{Stdout: &b, Stderr: &b}, args); !ok {
			ParseMain(args, &b, &b, "idlebell 1.2.3")
		}
		return b.String()
	}
	flagLine := regexp.MustCompile(`^  -[a-z-]+( [A-Z]+)?$`)
	for _, args := range [][]string{{"--help"}, {"check", "--help"}, {"login", "--help"}, {"discover", "--help"}, {"settings", "--help"}} {
		i18ntest.Use(t, "C.UTF-8")
		en := help(args...)
		i18ntest.Use(t, "de_DE.UTF-8")
		de := help(args...)
		if !strings.Contains(de, "Aufruf:") || !strings.Contains(de, "Optionen:\n") {
			t.Errorf("idlebell %s in German:\n%s", strings.Join(args, " "), de)
		}
		names := func(text string) (out []string) {
			for _, l := range strings.Split(text, "\n") {
				if flagLine.MatchString(l) {
					out = append(out, strings.Fields(l)[0])
				}
			}
			return out
		}
		if e, d := names(en), names(de); len(e) == 0 || strings.Join(e, " ") != strings.Join(d, " ") {
			t.Errorf("idlebell %s: flags %q in English, %q in German; want the same names", strings.Join(args, " "), e, d)
		}
		examples := false
		for _, l := range strings.Split(en, "\n") {
			switch {
			case l == "Examples:":
				examples = true
			case l == "":
				examples = false
			case examples, flagLine.MatchString(l):
			case strings.Contains(de, l):
				t.Errorf("idlebell %s: German help keeps the English line %q", strings.Join(args, " "), l)
			}
		}
	}
}

package explain

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"idlebell/i18n"
	"idlebell/i18n/i18ntest"
	"idlebell/imapwatch"
	"idlebell/oauth"
	"idlebell/settings"
)

// describeTests: every typed error a front can meet, wrapped as the code
// that returns it wraps it, and the sentence it reads as. typed names the
// exported error the case is about (TestEveryTypedErrorDescribed keeps the
// list complete).
var describeTests = []struct {
	typed    string
	err      error
	sentence string
	hint     string // a part the hint must contain
}{
	{"imapwatch.ErrAuthFailed", fmt.Errorf("login to x: %w: [AUTHENTICATIONFAILED] nope", imapwatch.ErrAuthFailed),
		"login failed: check the password", "refused this username and password"},
	{"imapwatch.AuthError", &imapwatch.AuthError{Mech: "LOGIN", Host: "imap.example.com", Port: 993, Err: imapwatch.ErrAuthFailed},
		"login failed: check the password", "refused this username and password"},
	{"imapwatch.AuthError OAuth2", fmt.Errorf("idle: %w", &imapwatch.AuthError{Mech: imapwatch.MechXOAuth2, Host: "imap.gmail.com", Port: 993, Err: imapwatch.ErrAuthFailed}),
		"the server refused the sign-in", "then sign in again"},
	{"imapwatch.CertificateError", fmt.Errorf("dial: %w", &imapwatch.CertificateError{Host: "h", Subject: "CN=h", Fingerprint: "sha256:AB:CD:EF:01:23:45:67:89:AB", Err: errors.New("x509")}),
		"certificate not trusted (sha256:AB:CD:EF:01:23:45…)", `tls_fingerprint = "sha256:AB:CD:EF:01:23:45:67:89:AB"`},
	{"imapwatch.ErrCertificate", imapwatch.ErrCertificate, "certificate not trusted", "tls_ca_file"},
	{"x509", fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), "certificate not trusted", "tls_fingerprint"},
	{"imapwatch.MailboxError", fmt.Errorf("examine: %w", &imapwatch.MailboxError{Mailboxes: []string{"Lists/go", "Arch\u202Eive"}, Text: "no such mailbox"}),
		"folder not found: Lists/go, Archive", "case-sensitive"},
	{"imapwatch.ErrMailboxMissing", fmt.Errorf("%w: Lists", imapwatch.ErrMailboxMissing), "folder not found", "folder names"},
	{"imapwatch.ErrNoSecret", imapwatch.ErrNoSecret, "no password available", "password_command"},
	{"imapwatch.ErrPlaintextRefused", imapwatch.ErrPlaintextRefused, "refusing to send the password unencrypted", "tls or starttls"},
	{"imapwatch.ErrNoTLS", fmt.Errorf("%w: BAD", imapwatch.ErrNoTLS), "the server does not offer STARTTLS", "security tls"},
	{"imapwatch.ErrSignInNeeded", fmt.Errorf("%w: invalid_grant", imapwatch.ErrSignInNeeded), "sign-in needed", "idlebell login with the account's name"},
	{"settings.SecretError", fmt.Errorf("%w: %w", imapwatch.ErrSignInNeeded, &settings.SecretError{Account: "Gmail", Token: true, Err: settings.ErrSecretNotFound}),
		"sign-in needed", "idlebell login Gmail"},
	{"settings.ErrSecretNotFound", fmt.Errorf("%w: %w", imapwatch.ErrNoSecret, &settings.SecretError{Account: "My Mail", Err: settings.ErrSecretNotFound}),
		"no password stored", "secret-tool store --label='idlebell My Mail' service idlebell username 'My Mail'"},
	{"settings.ErrKeyringLocked", fmt.Errorf("%w: %w", imapwatch.ErrNoSecret, &settings.SecretError{Account: "Work", Err: settings.ErrKeyringLocked}),
		"the keyring is locked", "or set password_command"},
	{"settings.ErrKeyringLocked token", fmt.Errorf("signed in, but: %w", &settings.SecretError{Account: "Gmail", Token: true, Err: settings.ErrKeyringLocked}),
		"the keyring is locked", "then sign in again"},
	{"settings.ErrNoSecretService", &settings.SecretError{Account: "Work", Err: settings.ErrNoSecretService},
		"no keyring service", "gnome-keyring or KWallet"},
	{"settings.PasswordCommandError", fmt.Errorf("password for account %q: %w", "Work", &settings.PasswordCommandError{Reason: "pass exited with status 1: gpg: decryption failed\x1b[31m",
		Kind: settings.PasswordCommandExited, Program: "pass", Status: 1, Stderr: "gpg: decryption failed\x1b[31m"}),
		"password_command failed", "pass ended with exit status 1 (gpg: decryption failed [31m). Fix password_command"},
	{"settings.PasswordCommandError not run", &settings.PasswordCommandError{Reason: "pass: exec format error", Program: "pass"},
		"password_command failed", "password_command could not be run (pass: exec format error). Fix password_command"},
	{"settings.ErrPasswordCommand", settings.ErrPasswordCommand, "password_command failed", "first line"},
	{"settings.Error", &settings.Error{Path: "/c.toml", Problems: []settings.Problem{{Line: 3, Field: "port", Message: "must be 1–65535"}}},
		"the config file has errors", "/c.toml: line 3: port: must be 1–65535"},
	{"settings.ReadError", fmt.Errorf("reload: %w", &settings.ReadError{Path: "/h/.config/idlebell/config.toml", Err: settings.ErrNotAFile}),
		"the config file /h/.config/idlebell/config.toml is a folder", "Move the folder away"},
	{"settings.ErrNotAFile", &settings.ReadError{Path: "/c.toml", Err: settings.ErrNotAFile}, "the config file /c.toml is a folder", "--config"},
	{"settings.ReadError permission", &settings.ReadError{Path: "/c.toml", Err: syscall.EACCES}, "no permission to read the config file /c.toml", "permission to read"},
	{"settings.ReadError I/O", &settings.ReadError{Path: "/c.toml", Err: syscall.EIO}, "can't read the config file /c.toml", "the disk it is on (input/output error)"},
	{"imapwatch.ConfigError", &imapwatch.ConfigError{Field: "Mailboxes"}, "the account's settings are incomplete (Mailboxes)", "Settings"},
	{"settings.LockedError", &settings.LockedError{Path: "/s/state.json", PID: 4242}, "idlebell is already running (PID 4242)", "holds /s/state.json.lock. Use that one, or stop it first"},
	{"settings.LockedError without a PID", &settings.LockedError{Path: "/s/state.json"}, "idlebell is already running", "holds /s/state.json.lock. Use that one, or stop it first"},
	{"oauth.ErrSignInRequired", fmt.Errorf("refresh: %w", oauth.ErrSignInRequired), "sign-in needed", "Sign in again"},
	{"oauth.ErrNoToken", fmt.Errorf("%w: none", oauth.ErrNoToken), "sign-in needed", "Sign in again"},
	{"oauth.ErrConfig", fmt.Errorf("%w: the provider issued no refresh token", oauth.ErrConfig),
		"OAuth2 is not set up for this account", "no refresh token"},
	{"oauth.ConfigError", fmt.Errorf("sign in: %w", oauth.Config{Provider: "google", TokenURL: "https://t"}.Check()),
		"OAuth2 is not set up for this account", "no client ID of its own for Google: register one"},
	{"oauth.ConfigError token URL", oauth.Config{Provider: "custom", ClientID: "c"}.Check(),
		"OAuth2 is not set up for this account", "Enter the provider's token URL"},
	{"oauth.ErrDenied", fmt.Errorf("device: %w", oauth.ErrDenied), "the sign-in was declined or the code expired", "approve"},
	{"dns", fmt.Errorf("resolve: %w", &net.DNSError{Name: "imap.example.com", Err: "no such host", IsNotFound: true}),
		"can't find imap.example.com", "host name"},
	{"refused", &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 993}, Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}},
		"127.0.0.1:993 refused the connection", "port"},
	{"refused, no address", syscall.ECONNREFUSED, "the server refused the connection", "port"},
	{"unreachable", fmt.Errorf("dial: %w", syscall.EHOSTUNREACH), "no route to the server", "network"},
	{"deadline", fmt.Errorf("dial: %w", context.DeadlineExceeded), "no answer from the server", "firewall"},
	{"io deadline", &net.OpError{Op: "read", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 143}, Err: os.ErrDeadlineExceeded},
		"no answer from 10.0.0.1:143", "firewall"},
	{"cancelled", fmt.Errorf("sign-in: %w", context.Canceled), "cancelled", ""},
	{"closed", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), "the connection was closed", "by itself"},
	{"tls on a plain port", fmt.Errorf("handshake: %w", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}),
		"the server did not answer in TLS", "starttls"},
	{"missing file", &fs.PathError{Op: "open", Path: "/ca.pem", Err: fs.ErrNotExist}, "/ca.pem does not exist", ""},
	{"imapwatch.ErrAuthUnsupported", fmt.Errorf("%w: 127.0.0.1:143 refuses LOGIN on this connection (LOGINDISABLED)", imapwatch.ErrAuthUnsupported),
		"the server offers no sign-in idlebell can use", "security tls or starttls"},
	{"imapwatch.ErrMailboxDenied", fmt.Errorf("%w: examine Lists: server said NO [NOPERM]", imapwatch.ErrMailboxDenied), "no permission to read a folder", "folder names"},
	{"imapwatch.ErrServerUnavailable", fmt.Errorf("%w: examine INBOX: server said NO [UNAVAILABLE]", imapwatch.ErrServerUnavailable), "the server is busy or down for now", "by itself"},
	{"imapwatch.ResponseTooLargeError", fmt.Errorf("fetch: %w", &imapwatch.ResponseTooLargeError{What: "literal", Size: 1 << 32, Limit: 64 << 10}),
		"the server sent more data than idlebell reads", "idlebell check"},
	{"imapwatch.ErrResponseTooLarge", imapwatch.ErrResponseTooLarge, "the server sent more data than idlebell reads", "idlebell check"},
	{"imapwatch.ErrTimeout", fmt.Errorf("login to imap.example.com:993: %w", imapwatch.ErrTimeout), "the server does not answer", "by itself"},
	{"imapwatch.TimeoutError", &imapwatch.TimeoutError{Step: "login", Addr: "127.0.0.1:143", After: 20 * time.Second},
		"the server did not answer the login within 20 s", "by itself"},
	{"imapwatch.TimeoutError connect", &imapwatch.TimeoutError{Step: "connect", Addr: "127.0.0.1:143", After: 1500 * time.Millisecond},
		"no answer from 127.0.0.1:143 within 1.5 s", "by itself"},
	{"imapwatch.TimeoutError greeting", &imapwatch.TimeoutError{Step: "greeting", Addr: "127.0.0.1:993", After: 4 * time.Second},
		"connected, but the server sent no IMAP greeting within 4 s", "This port may expect TLS from the start: choose SSL/TLS (usually port 993), or STARTTLS on port 143."},
	{"imapwatch.GreetingError", fmt.Errorf("connect: %w", &imapwatch.GreetingError{Addr: "127.0.0.1:993", After: 15 * time.Second}),
		"connected, but the server sent no IMAP greeting", "This port may expect TLS from the start: choose SSL/TLS (usually port 993), or STARTTLS on port 143."},
	{"imapwatch.GreetingError in TLS", &imapwatch.GreetingError{Addr: "127.0.0.1:993", After: 15 * time.Second, InTLS: true},
		"connected, but the server sent no IMAP greeting", "by itself"},
	{"imapwatch.ErrNoGreeting", imapwatch.ErrNoGreeting, "connected, but the server sent no IMAP greeting", "choose SSL/TLS"},
	{"imapwatch.ErrConnectionLost", fmt.Errorf("fetch: %w", imapwatch.ErrConnectionLost), "the connection was closed", "by itself"},
	{"imapwatch.ErrWake", imapwatch.ErrWake, "reconnecting after sleep or a network change", ""},
	{"imapwatch.ErrCheckNow", imapwatch.ErrCheckNow, "reconnecting: you asked to check now", ""},
	{"imapwatch.ErrStateLost", imapwatch.ErrStateLost, "state file damaged, mail may have been missed", "may not have been announced. Look in the mailbox"},
	{"unknown", errors.New("* BYE something raw"), "connection failed", "idlebell check"},
	{"a system error off the network", &fs.PathError{Op: "read", Path: "/x", Err: syscall.EISDIR}, "connection failed", "idlebell check"},
}

func TestDescribe(t *testing.T) {
	for _, tt := range describeTests {
		sentence, hint := Describe(tt.err)
		if sentence != tt.sentence {
			t.Errorf("%s: Describe(%v) sentence = %q, want %q", tt.typed, tt.err, sentence, tt.sentence)
		}
		if !strings.Contains(hint, tt.hint) {
			t.Errorf("%s: Describe(%v) hint = %q, want it to contain %q", tt.typed, tt.err, hint, tt.hint)
		}
		if tt.hint == "" && hint != "" {
			t.Errorf("%s: Describe(%v) hint = %q, want none", tt.typed, tt.err, hint)
		}
	}
	if s, h := Describe(nil); s != "" || h != "" {
		t.Errorf("Describe(nil) = %q, %q, want empty", s, h)
	}
}

// TestDescribeOnce: for a front that tests once (check, Test connection)
// the sentence is Describe's, and no hint says that idlebell tries again by
// itself, in English or German; a step cut short by the deadline names the
// step and the seconds.
func TestDescribeOnce(t *testing.T) {
	for _, c := range []struct{ locale, byItself string }{{"C.UTF-8", "by itself"}, {"de_DE.UTF-8", "selbst erneut"}} {
		i18ntest.Use(t, c.locale)
		for _, tt := range describeTests {
			s, h := DescribeOnce(i18n.Template, tt.err)
			if want, _ := DescribeIn(i18n.Template, tt.err); s != want {
				t.Errorf("%s, %s: DescribeOnce sentence = %q, want %q", c.locale, tt.typed, s, want)
			}
			if strings.Contains(h, c.byItself) {
				t.Errorf("%s, %s: DescribeOnce hint = %q, says idlebell tries again by itself", c.locale, tt.typed, h)
			}
			if _, wh := DescribeIn(i18n.Template, tt.err); wh != "" && h == "" {
				t.Errorf("%s, %s: DescribeOnce gives no hint where DescribeIn gives %q", c.locale, tt.typed, wh)
			}
		}
	}
	silent := fmt.Errorf("check: %w", &imapwatch.TimeoutError{Step: "login", Addr: "127.0.0.1:143", After: 2500 * time.Millisecond})
	for _, c := range []struct{ locale, sentence, hint string }{
		{"C.UTF-8", "the server did not answer the login within 2.5 s", "Try again later; if the server never answers the login, check that the port is its IMAP port"},
		{"de_DE.UTF-8", "der Server hat innerhalb von 2,5 s nicht auf die Anmeldung geantwortet", "Versuchen Sie es später erneut; wenn der Server nie auf die Anmeldung antwortet"},
	} {
		i18ntest.Use(t, c.locale)
		if s, h := DescribeOnce(i18n.Template, silent); s != c.sentence || !strings.HasPrefix(h, c.hint) {
			t.Errorf("%s: DescribeOnce(silent login) = %q, %q; want %q, %q…", c.locale, s, h, c.sentence, c.hint)
		}
	}
	// A port that expects TLS from the start, reached without it: German too.
	greeting := fmt.Errorf("connect: %w", &imapwatch.GreetingError{Addr: "127.0.0.1:993", After: 15 * time.Second})
	for _, c := range []struct{ locale, sentence, hint string }{
		{"C.UTF-8", "connected, but the server sent no IMAP greeting", "This port may expect TLS from the start: choose SSL/TLS (usually port 993), or STARTTLS on port 143."},
		{"de_DE.UTF-8", "verbunden, aber der Server hat keine IMAP-Begrüßung gesendet", "Dieser Port erwartet vielleicht von Anfang an TLS: Wählen Sie SSL/TLS (meist Port 993) oder STARTTLS auf Port 143."},
	} {
		i18ntest.Use(t, c.locale)
		if s, h := DescribeIn(i18n.Template, greeting); s != c.sentence || h != c.hint {
			t.Errorf("%s: DescribeIn(no greeting) = %q, %q; want %q, %q", c.locale, s, h, c.sentence, c.hint)
		}
	}
	// A config's problems read in the language too (the TOML library's
	// words in parentheses).
	cfgErr := &settings.Error{Path: "/c.toml", Problems: []settings.Problem{{Line: 3, Field: "port", Kind: settings.ProblemValue,
		Text: "%d is not a valid port: use 1 to 65535 (usually %d for tls, %d for starttls or none)", Args: []any{0, 993, 143}}}}
	if s, h := DescribeIn(i18n.Template, cfgErr); s != "die Konfigurationsdatei hat Fehler" || h != "/c.toml: Zeile 3: port: 0 ist kein gültiger Port: Verwenden Sie 1 bis 65535 (meist 993 für tls, 143 für starttls oder none)" {
		t.Errorf("DescribeIn(German, config error) = %q, %q", s, h)
	}
	// JSON is English whatever the language.
	if s, _ := DescribeOnce(nil, silent); s != "the server did not answer the login within 2.5 s" {
		t.Errorf("DescribeOnce(nil, silent login) = %q under German", s)
	}
}

// TestPasswordCommandWords: each way a real password_command fails reads
// in one language per sentence: German words around the program's name,
// its status and its own stderr (in parentheses), no English sentence.
func TestPasswordCommandWords(t *testing.T) {
	i18ntest.Use(t, "de_DE.UTF-8")
	for _, c := range []struct{ command, hint string }{
		{"idlebell-no-such-program --show", "Programm idlebell-no-such-program nicht gefunden: Prüfen Sie password_command und PATH."},
		{"sh -c 'echo gpg: no secret key >&2; exit 3'", "sh endete mit dem Status 3 (gpg: no secret key). Korrigieren Sie password_command"},
		{"true", "true hat in der ersten Zeile nichts ausgegeben. Korrigieren Sie password_command"},
		{" ", "password_command ist leer: Geben Sie den Befehl ein"},
	} {
		_, err := settings.RunPasswordCommand(context.Background(), c.command)
		s, h := DescribeIn(i18n.Template, fmt.Errorf("password for account %q: %w", "Arbeit", err))
		if s != "password_command fehlgeschlagen" || !strings.HasPrefix(h, c.hint) {
			t.Errorf("RunPasswordCommand(%q) in German = %q, %q; want the hint to start %q", c.command, s, h, c.hint)
		}
		for _, english := range []string{"not found", "check ", "exited", "printed", "Fix "} {
			if strings.Contains(h, english) {
				t.Errorf("RunPasswordCommand(%q) in German: hint %q has English %q", c.command, h, english)
			}
		}
	}
}

// TestDescribeIn: a Translator sees the English template and its values,
// never text already filled in.
func TestDescribeIn(t *testing.T) {
	var keys []string
	tr := func(key string, data map[string]any) string {
		keys = append(keys, key)
		return "DE: " + i18n.English(key, data)
	}
	s, h := DescribeIn(tr, &net.DNSError{Name: "imap.example.de"})
	if s != "DE: can't find imap.example.de" || !strings.HasPrefix(h, "DE: ") {
		t.Errorf("DescribeIn(tr, dns) = %q, %q", s, h)
	}
	if len(keys) != 2 || keys[0] != "can't find {{.Host}}" {
		t.Errorf("translator keys = %q, want the template first", keys)
	}
	// A value that looks like a template stays text.
	s, _ = Describe(&net.DNSError{Name: "{{.Host}}"})
	if s != "can't find {{.Host}}" {
		t.Errorf("Describe(dns {{.Host}}) = %q", s)
	}
}

// TestEveryTypedErrorDescribed: each exported error of imapwatch, settings
// and oauth (a var Err… or a type …Error) has a case above, so a new one
// cannot reach a user as "connection failed".
func TestEveryTypedErrorDescribed(t *testing.T) {
	covered := map[string]bool{}
	for _, tt := range describeTests {
		covered[strings.Fields(tt.typed)[0]] = true
	}
	for _, pkg := range []string{"imapwatch", "settings", "oauth"} {
		for _, name := range exportedErrors(t, filepath.Join("..", pkg)) {
			if !covered[pkg+"."+name] {
				t.Errorf("%s.%s has no case in describeTests (and maybe no sentence in Describe)", pkg, name)
			}
		}
	}
}

// exportedErrors lists a package's exported `var Err… = …` and `type
// …Error` declarations, tests aside.
func exportedErrors(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var names []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range g.Specs {
				switch s := spec.(type) {
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && strings.HasPrefix(n.Name, "Err") {
							names = append(names, n.Name)
						}
					}
				case *ast.TypeSpec:
					if s.Name.IsExported() && strings.HasSuffix(s.Name.Name, "Error") {
						names = append(names, s.Name.Name)
					}
				}
			}
		}
	}
	return names
}

// TestTemplatesMarked: every sentence and hint classify returns is marked
// for translation (a bare string literal would reach a German user in
// English, and the translation test would not see it).
func TestTemplatesMarked(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "explain.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); !ok || (id.Name != "m" && id.Name != "at" && id.Name != "retry") {
			return true
		}
		for _, a := range call.Args {
			if lit, ok := a.(*ast.BasicLit); ok && lit.Value != `""` {
				t.Errorf("%s: %s is not marked with i18n.Mark", fset.Position(lit.Pos()), lit.Value)
			}
		}
		return true
	})
}

// TestLockHint: a second idlebell is told, on each system and in English
// and German, which idlebell holds the lock, the lock file, how to stop
// that one (its PID where known), and how to run beside it: the state
// folder's variable where StatePath reads one, else that one runs at a time.
func TestLockHint(t *testing.T) {
	for _, c := range []struct {
		goos string
		want []string // in both languages
	}{
		{"linux", []string{"systemd", "systemctl --user stop idlebell", "XDG_STATE_HOME=/"}},
		{"freebsd", []string{"idlebell --headless", "XDG_STATE_HOME=/"}},
		{"windows", []string{"idlebell --headless", "Task", "set LocalAppData=C:\\"}},
		{"darwin", []string{"idlebell --headless", "~/Library/Application Support/idlebell"}},
	} {
		for _, lang := range []struct{ locale, stop string }{{"C.UTF-8", "stop it first"}, {"de_DE.UTF-8", "beenden Sie"}} {
			i18ntest.Use(t, lang.locale)
			with := i18n.Template(lockHint(c.goos), map[string]any{"Lock": "/s/state.json.lock", "PID": 4242})
			without := i18n.Template(lockHint(c.goos), map[string]any{"Lock": "/s/state.json.lock"})
			for _, want := range append(c.want, "/s/state.json.lock", lang.stop, "4242") {
				if !strings.Contains(with, want) {
					t.Errorf("%s, %s: hint %q lacks %q", c.goos, lang.locale, with, want)
				}
			}
			if strings.Contains(without, "kill") || strings.Contains(without, "PID") || strings.Contains(without, "{{") {
				t.Errorf("%s, %s: hint without a PID %q names one", c.goos, lang.locale, without)
			}
		}
	}
}

// TestAuthHints: a refused login's hint fits how the account signs in, in
// English and German: an OAuth2 account is told to check its address and
// sign in again, never about passwords or OAuth2; a password account is
// told about app passwords or an OAuth2 sign-in only at a provider that
// wants them.
func TestAuthHints(t *testing.T) {
	refused := func(mech, host string) error {
		return fmt.Errorf("login: %w", &imapwatch.AuthError{Mech: mech, Host: host, Port: 993,
			Err: fmt.Errorf("%w: server said NO [AUTHENTICATIONFAILED]", imapwatch.ErrAuthFailed)})
	}
	for _, c := range []struct {
		locale       string
		oauth        []string // the OAuth2 account's hint has these
		password     string   // the password account's hint starts with it
		gmail, yahoo string   // and has these at these providers
		never        []string // words about another way to sign in
	}{
		{"C.UTF-8", []string{"address you signed in with", "sign in again"}, "The server refused this username and password. If the password changed, enter the new one in Settings or fix password_command.",
			"Sign in with Google. A password works only as an app password", "app password from your Yahoo account", []string{"OAuth2", "app password", "Google", "Sign in with"}},
		{"de_DE.UTF-8", []string{"mit der Sie sich angemeldet haben", "erneut an"}, "Der Server hat Benutzername und Passwort abgelehnt. Wenn sich das Passwort geändert hat, geben Sie das neue in den Einstellungen ein oder korrigieren Sie password_command.",
			"Melden Sie sich mit Google an. Ein Passwort funktioniert nur als App-Passwort", "App-Passwort", []string{"OAuth2", "App-Passwort", "Google", "Melden Sie sich mit"}},
	} {
		i18ntest.Use(t, c.locale)
		for _, mech := range []string{imapwatch.MechOAuthBearer, imapwatch.MechXOAuth2} {
			_, hint := DescribeIn(i18n.Template, refused(mech, "imap.gmail.com"))
			for _, want := range c.oauth {
				if !strings.Contains(hint, want) {
					t.Errorf("%s, %s at Gmail: hint %q lacks %q", c.locale, mech, hint, want)
				}
			}
			for _, w := range append(c.never, "Passwort", "password") {
				if strings.Contains(hint, w) {
					t.Errorf("%s, %s at Gmail: hint %q speaks of %q", c.locale, mech, hint, w)
				}
			}
		}
		for host, want := range map[string]string{"imap.gmail.com": c.gmail, "imap.mail.yahoo.com": c.yahoo, "imap.example.com": ""} {
			_, hint := DescribeIn(i18n.Template, refused("LOGIN", host))
			if !strings.HasPrefix(hint, c.password) || !strings.Contains(hint, want) {
				t.Errorf("%s, password at %s: hint %q, want %q then %q", c.locale, host, hint, c.password, want)
			}
			if want == "" {
				for _, w := range c.never {
					if strings.Contains(hint, w) {
						t.Errorf("%s, password at %s: hint %q speaks of %q", c.locale, host, hint, w)
					}
				}
			}
		}
	}
}

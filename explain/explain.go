// Package explain turns idlebell's errors into words for people: a short
// sentence saying what failed and a hint saying what to do next. Every front
// speaks through it — the tray's account lines, the settings window, the
// check and login subcommands, the headless log — so one failure reads the
// same everywhere.
//
// It classifies with errors.Is and errors.As only, on the typed errors of
// imapwatch, settings and oauth and on the standard library's network,
// TLS and context errors; it never matches message text. Whoever adds a
// typed error adds its sentence here.
package explain

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"idlebell/discover"
	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/oauth"
	"idlebell/safetext"
	"idlebell/settings"
)

// Translator renders one of the templates below in the user's language:
// key is the English text in text/template syntax ("can't find {{.Host}}"),
// data the values it names. fyne.io/fyne/v2/lang.L has this shape.
type Translator func(key string, data map[string]any) string

// Describe is DescribeIn(nil, err): English.
func Describe(err error) (sentence, hint string) { return DescribeIn(nil, err) }

// DescribeIn returns what failed, as a short sentence for a menu line or a
// log's attribute ("login failed: check the password"), and what to do
// next, one or two full sentences ("" when there is nothing to do). Values
// taken from the error (host names, folder names, a command's complaint)
// are made safe to show on one line. tr nil means English. Both are "" for
// a nil err.
func DescribeIn(tr Translator, err error) (sentence, hint string) {
	return describe(tr, err, false)
}

// DescribeOnce is DescribeIn for a front that tests once and reports —
// idlebell check, the settings window's Test connection: where the
// watcher would try again by itself, its hint says what the user can do
// (try again later, check the host and the port).
func DescribeOnce(tr Translator, err error) (sentence, hint string) {
	return describe(tr, err, true)
}

func describe(tr Translator, err error, once bool) (sentence, hint string) {
	if err == nil {
		return "", ""
	}
	english := tr == nil
	if english {
		tr = i18n.English
	}
	m := classify(err)
	if d, ok := m.data["Seconds"].(time.Duration); ok {
		m.data["Seconds"] = seconds(d, english)
	}
	if e, ok := m.data["Detail"].(*settings.Error); ok {
		text := e.Error()
		if !english {
			text = e.Localized()
		}
		m.data["Detail"] = safetext.Line(text, 400)
	}
	sentence = tr(m.sentence, m.data)
	switch {
	case !once:
	case m.once != "":
		m.hint = m.once
	case m.hint == retryByItself || m.hint == checkDetails:
		m.hint = tryNetwork // never "tries again by itself" to a front that does not
	}
	if m.hint != "" {
		hint = tr(m.hint, m.data)
	}
	if m.note != "" {
		hint += " " + tr(m.note, nil)
	}
	return sentence, hint
}

// meaning is a classified error: templates and the values they name, and
// a provider's note that follows the hint (a marked text, not a template).
// once, when set, replaces the hint for a front that tests once: the hint
// then says that idlebell tries again by itself.
type meaning struct {
	sentence, hint string
	data           map[string]any
	note           string
	once           string
}

// seconds is d in seconds as a sentence shows it: "20", "0.5" (German
// "0,5" unless english).
func seconds(d time.Duration, english bool) string {
	s := strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64)
	if !english && i18n.Language() == "de" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Caps on values shown from an error.
const (
	maxName   = 80  // a host, a folder, an account
	maxDetail = 160 // a command's or provider's complaint
)

// Templates, in English. They are the keys of the translations.
var (
	retryByItself = i18n.Mark("idlebell tries again by itself.")
	checkDetails  = i18n.Mark("idlebell tries again by itself; idlebell check shows the details.")

	// The same for a front that tests once.
	tryLater       = i18n.Mark("Try again in a few minutes; if it keeps happening, ask the server's admin.")
	tryHostPort    = i18n.Mark("Try again later; if it keeps happening, check the host and the port.")
	tryPortSec     = i18n.Mark("Try again later; if it keeps happening, check the port and the security (TLS or STARTTLS).")
	tryNetwork     = i18n.Mark("Check the host, the port and that this computer is online, then try again.")
	mayExpectTLS   = i18n.Mark("This port may expect TLS from the start: choose SSL/TLS (usually port 993), or STARTTLS on port 143.")
	tryLoginSilent = i18n.Mark("Try again later; if the server never answers the login, check that the port is its IMAP port and the security (TLS or STARTTLS) is right.")
)

func classify(err error) meaning {
	data := map[string]any{}
	m := func(sentence, hint string) meaning { return meaning{sentence: sentence, hint: hint, data: data} }
	// retry is a meaning whose hint says idlebell tries again by itself,
	// with the hint once for a front that tests once.
	retry := func(sentence, hint, once string) meaning {
		mm := m(sentence, hint)
		mm.once = once
		return mm
	}
	var (
		serr    *settings.SecretError
		perr    *settings.PasswordCommandError
		cfgErr  *settings.Error
		rdErr   *settings.ReadError
		lockErr *settings.LockedError
		cerr    *imapwatch.CertificateError
		icfg    *imapwatch.ConfigError
		mberr   *imapwatch.MailboxError
		terr    *imapwatch.TimeoutError
		gerr    *imapwatch.GreetingError
		dnsErr  *net.DNSError
		opErr   *net.OpError
		recErr  tls.RecordHeaderError
		pathEr  *fs.PathError
		ocfg    *oauth.ConfigError
	)
	if errors.As(err, &serr) {
		data["Account"] = safetext.Line(serr.Account, maxName)
	}
	// at picks the template that names the server's address when the error
	// carries one.
	at := func(withAddr, without string) string { return without }
	if errors.As(err, &opErr) && opErr.Addr != nil {
		data["Addr"] = safetext.Line(opErr.Addr.String(), maxName)
		at = func(withAddr, without string) string { return withAddr }
	}

	switch {
	case errors.Is(err, context.Canceled):
		return m(i18n.Mark("cancelled"), "")

	// Reconnects idlebell made on purpose: nothing failed.
	case errors.Is(err, imapwatch.ErrWake):
		return m(i18n.Mark("reconnecting after sleep or a network change"), "")
	case errors.Is(err, imapwatch.ErrCheckNow):
		return m(i18n.Mark("reconnecting: you asked to check now"), "")
	case errors.Is(err, imapwatch.ErrStateLost):
		// Short: it stands in the account's line for the whole session.
		return m(i18n.Mark("state file damaged, mail may have been missed"),
			i18n.Mark("The state file was damaged: mail that came while idlebell was stopped may not have been announced. Look in the mailbox for it."))

	// Sign-in (OAuth2). Before the keyring: a missing refresh token wraps
	// ErrSecretNotFound too, but the fix is a sign-in, not a password.
	case errors.Is(err, imapwatch.ErrSignInNeeded), errors.Is(err, oauth.ErrSignInRequired),
		errors.Is(err, oauth.ErrNoToken),
		serr != nil && serr.Token && errors.Is(err, settings.ErrSecretNotFound):
		if serr != nil {
			return m(i18n.Mark("sign-in needed"), i18n.Mark("Sign in again: choose Sign in again… in the menu or in Settings, or run: idlebell login {{.Account}}"))
		}
		return m(i18n.Mark("sign-in needed"), i18n.Mark("Sign in again: choose Sign in again… in the menu or in Settings, or run idlebell login with the account's name."))
	case errors.Is(err, oauth.ErrDenied):
		return m(i18n.Mark("the sign-in was declined or the code expired"), i18n.Mark("Sign in again, and approve idlebell's access at your provider."))
	case errors.As(err, &ocfg):
		notSetUp := i18n.Mark("OAuth2 is not set up for this account")
		switch ocfg.Key {
		case "oauth_client_id":
			data["Provider"] = providerName(ocfg.Provider)
			return m(notSetUp, i18n.Mark("This idlebell has no client ID of its own for {{.Provider}}: register one and enter it for the account (the README's section “Your own client ID” says how)."))
		case "oauth_token_url":
			return m(notSetUp, i18n.Mark("Enter the provider's token URL for the account."))
		case "oauth_auth_url":
			return m(notSetUp, i18n.Mark("Enter the provider's authorization URL for the account."))
		}
		return m(notSetUp, i18n.Mark("Enter the scopes that grant IMAP access for the account."))
	case errors.Is(err, oauth.ErrConfig):
		data["Detail"] = safetext.Line(err.Error(), maxDetail)
		return m(i18n.Mark("OAuth2 is not set up for this account"), i18n.Mark("{{.Detail}}"))

	// The keyring and password_command.
	case errors.Is(err, settings.ErrKeyringLocked):
		if serr != nil && serr.Token {
			return m(i18n.Mark("the keyring is locked"), i18n.Mark("Unlock it (log in to the desktop session, or open Passwords and Keys), then sign in again."))
		}
		return m(i18n.Mark("the keyring is locked"), i18n.Mark("Unlock it (log in to the desktop session, or open Passwords and Keys), or set password_command."))
	case errors.Is(err, settings.ErrNoSecretService):
		return m(i18n.Mark("no keyring service"), i18n.Mark("Install and start gnome-keyring or KWallet, or set password_command."))
	case errors.Is(err, settings.ErrSecretNotFound):
		if serr != nil {
			data["Command"] = safetext.Line(serr.StoreCommand(), 200)
			return m(i18n.Mark("no password stored"), i18n.Mark("Set it in Settings, or with: {{.Command}}"))
		}
		return m(i18n.Mark("no password stored"), i18n.Mark("Set it in Settings, or set password_command."))
	case errors.As(err, &perr):
		// One language per sentence: the program's own words (its stderr)
		// only in parentheses.
		data["Program"] = safetext.Line(perr.Program, maxName)
		data["Stderr"] = safetext.Line(perr.Stderr, maxDetail)
		failed := i18n.Mark("password_command failed")
		switch perr.Kind {
		case settings.PasswordCommandEmpty:
			return m(failed, i18n.Mark("password_command is empty: enter the command that prints the password, or remove it to use the keyring."))
		case settings.PasswordCommandNotFound:
			return m(failed, i18n.Mark("Program {{.Program}} not found: check password_command and PATH."))
		case settings.PasswordCommandTimedOut:
			data["Seconds"] = perr.Timeout
			return m(failed, i18n.Mark("{{.Program}} did not finish within {{.Seconds}} s{{if .Stderr}} ({{.Stderr}}){{end}}. If it asks for a passphrase, unlock gpg-agent or your password manager first."))
		case settings.PasswordCommandExited:
			data["Status"] = perr.Status
			return m(failed, i18n.Mark("{{.Program}} ended with exit status {{.Status}}{{if .Stderr}} ({{.Stderr}}){{end}}. Fix password_command so that it prints the password on its first line."))
		case settings.PasswordCommandNoOutput:
			return m(failed, i18n.Mark("{{.Program}} printed nothing on its first line{{if .Stderr}} ({{.Stderr}}){{end}}. Fix password_command so that it prints the password on its first line."))
		}
		data["Detail"] = safetext.Line(perr.Reason, maxDetail)
		return m(failed, i18n.Mark("password_command could not be run ({{.Detail}}). Fix password_command so that it prints the password on its first line."))
	case errors.Is(err, settings.ErrPasswordCommand):
		return m(i18n.Mark("password_command failed"), i18n.Mark("Fix password_command so that it prints the password on its first line."))
	case errors.Is(err, imapwatch.ErrNoSecret):
		return m(i18n.Mark("no password available"), i18n.Mark("Set the password in Settings (it is kept in the keyring), or set password_command."))

	// The server's answers.
	case errors.Is(err, imapwatch.ErrAuthUnsupported):
		return m(i18n.Mark("the server offers no sign-in idlebell can use"), i18n.Mark("With a password, use security tls or starttls (the server refuses LOGIN without TLS); with OAuth2, the server must offer OAUTHBEARER or XOAUTH2."))
	case errors.Is(err, imapwatch.ErrAuthFailed):
		var aerr *imapwatch.AuthError
		if !errors.As(err, &aerr) {
			return m(i18n.Mark("login failed: check the password"), i18n.Mark("The server refused this username and password. If the password changed, enter the new one in Settings or fix password_command."))
		}
		if aerr.OAuth2() {
			// The password, app passwords and OAuth2 are beside the point:
			// the account signs in with OAuth2 already.
			return m(i18n.Mark("the server refused the sign-in"), i18n.Mark("Check that the username is the address you signed in with and that IMAP is switched on for the mailbox, then sign in again (in Settings, or with idlebell login)."))
		}
		mm := m(i18n.Mark("login failed: check the password"), i18n.Mark("The server refused this username and password. If the password changed, enter the new one in Settings or fix password_command."))
		// A provider that wants an app password or an OAuth2 sign-in says so.
		mm.note = discover.ServerNote(aerr.Host, aerr.Port)
		return mm
	case errors.As(err, &cerr):
		data["Fingerprint"] = safetext.Line(cerr.Fingerprint, 120)
		data["Short"] = shortFingerprint(cerr.Fingerprint)
		data["Subject"] = safetext.Line(cerr.Subject, maxName)
		if cerr.Fingerprint == "" {
			return m(i18n.Mark("certificate not trusted"), i18n.Mark("Trust the CA that signed it with tls_ca_file, or ask the server's admin."))
		}
		return m(i18n.Mark("certificate not trusted ({{.Short}})"), i18n.Mark("If {{.Fingerprint}}{{if .Subject}} ({{.Subject}}){{end}} is your server's certificate, trust it: Test connection in Settings, or tls_fingerprint = \"{{.Fingerprint}}\" in the account (or tls_ca_file for the CA that signed it)."))
	case errors.Is(err, imapwatch.ErrCertificate), isX509(err):
		return m(i18n.Mark("certificate not trusted"), i18n.Mark("idlebell check shows the certificate's fingerprint: pin it with tls_fingerprint, or trust its CA with tls_ca_file."))
	case errors.Is(err, imapwatch.ErrPlaintextRefused):
		return m(i18n.Mark("refusing to send the password unencrypted"), i18n.Mark("Use security tls or starttls; allow_plaintext = true only on a network you trust."))
	case errors.Is(err, imapwatch.ErrNoTLS):
		return m(i18n.Mark("the server does not offer STARTTLS"), i18n.Mark("Use security tls (usually port 993), or none only on a network you trust."))
	case errors.As(err, &mberr):
		names := make([]string, len(mberr.Mailboxes))
		for i, n := range mberr.Mailboxes {
			names[i] = safetext.Line(n, maxName)
		}
		data["Mailbox"] = strings.Join(names, ", ")
		return m(i18n.Mark("folder not found: {{.Mailbox}}"), i18n.Mark("Check the folder names in the account: they are case-sensitive, except INBOX."))
	case errors.Is(err, imapwatch.ErrMailboxMissing):
		return m(i18n.Mark("folder not found"), i18n.Mark("Check the folder names in the account: they are case-sensitive, except INBOX."))
	case errors.Is(err, imapwatch.ErrMailboxDenied):
		return m(i18n.Mark("no permission to read a folder"), i18n.Mark("The server does not let this account read one of its folders: check the folder names, or ask the server's admin."))
	case errors.Is(err, imapwatch.ErrServerUnavailable):
		return retry(i18n.Mark("the server is busy or down for now"), retryByItself, tryLater)
	case errors.Is(err, imapwatch.ErrResponseTooLarge):
		return retry(i18n.Mark("the server sent more data than idlebell reads"), checkDetails, tryLater)
	case errors.Is(err, imapwatch.ErrNoGreeting):
		// Inside TLS the port speaks TLS: the security is not the cause.
		if errors.As(err, &gerr) && gerr.InTLS {
			return retry(i18n.Mark("connected, but the server sent no IMAP greeting"), retryByItself, tryHostPort)
		}
		return m(i18n.Mark("connected, but the server sent no IMAP greeting"), mayExpectTLS)
	case errors.As(err, &terr):
		data["Seconds"] = terr.After
		data["Addr"] = safetext.Line(terr.Addr, maxName)
		switch terr.Step {
		case "resolve":
			return retry(i18n.Mark("looking up the server's name took longer than {{.Seconds}} s"), retryByItself, tryNetwork)
		case "connect":
			return retry(i18n.Mark("no answer from {{.Addr}} within {{.Seconds}} s"), retryByItself, i18n.Mark("Check the host and the port, and that a firewall lets the port through."))
		case "greeting":
			return m(i18n.Mark("connected, but the server sent no IMAP greeting within {{.Seconds}} s"), mayExpectTLS)
		case "tls":
			return retry(i18n.Mark("the server did not finish the TLS handshake within {{.Seconds}} s"), retryByItself, tryPortSec)
		case "login":
			return retry(i18n.Mark("the server did not answer the login within {{.Seconds}} s"), retryByItself, tryLoginSilent)
		}
		return retry(i18n.Mark("the server did not answer within {{.Seconds}} s"), retryByItself, tryHostPort)
	case errors.Is(err, imapwatch.ErrTimeout):
		return retry(at(i18n.Mark("no answer from {{.Addr}}"), i18n.Mark("the server does not answer")), retryByItself, tryHostPort)
	case errors.As(err, &recErr):
		return m(i18n.Mark("the server did not answer in TLS"), i18n.Mark("If this port does not speak TLS, use security starttls, or the TLS port (usually 993)."))

	// The network.
	case errors.As(err, &dnsErr):
		data["Host"] = safetext.Line(dnsErr.Name, maxName)
		return m(i18n.Mark("can't find {{.Host}}"), i18n.Mark("Check the host name, and that this computer is online."))
	case errors.Is(err, syscall.ECONNREFUSED):
		return m(at(i18n.Mark("{{.Addr}} refused the connection"), i18n.Mark("the server refused the connection")), i18n.Mark("Check the port, and that the server is running."))
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return m(at(i18n.Mark("no route to {{.Addr}}"), i18n.Mark("no route to the server")), i18n.Mark("Check the network connection and the host name."))
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return m(at(i18n.Mark("no answer from {{.Addr}}"), i18n.Mark("no answer from the server")), i18n.Mark("Check the host and the port, and that a firewall lets the port through."))
	case errors.Is(err, imapwatch.ErrConnectionLost),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return retry(i18n.Mark("the connection was closed"), retryByItself, tryPortSec)

	case errors.As(err, &icfg):
		data["Field"] = icfg.Field
		return m(i18n.Mark("the account's settings are incomplete ({{.Field}})"), i18n.Mark("Open the account in Settings and save it again, or check it in the config file."))

	// The process.
	case errors.As(err, &lockErr):
		data["Lock"] = safetext.Line(settings.LockPath(lockErr.Path), 300)
		if lockErr.PID > 0 {
			data["PID"] = lockErr.PID
			return m(i18n.Mark("idlebell is already running (PID {{.PID}})"), lockHint(runtime.GOOS))
		}
		return m(i18n.Mark("idlebell is already running"), lockHint(runtime.GOOS))

	// The config file.
	case errors.As(err, &rdErr):
		data["Path"] = safetext.Line(rdErr.Path, 200)
		switch {
		case errors.Is(err, settings.ErrNotAFile):
			return m(i18n.Mark("the config file {{.Path}} is a folder"), i18n.Mark("Move the folder away (idlebell creates the file when you add an account), or give idlebell the file's path with --config."))
		case errors.Is(err, fs.ErrPermission):
			return m(i18n.Mark("no permission to read the config file {{.Path}}"), i18n.Mark("Give your user permission to read and write it, or give idlebell another file with --config."))
		}
		data["Detail"] = safetext.Line(rdErr.Err.Error(), maxDetail)
		return m(i18n.Mark("can't read the config file {{.Path}}"), i18n.Mark("Check the file and the disk it is on ({{.Detail}})."))
	case errors.As(err, &cfgErr):
		data["Detail"] = cfgErr // Error() or Localized(), by the language
		return m(i18n.Mark("the config file has errors"), i18n.Mark("{{.Detail}}"))
	case errors.As(err, &pathEr) && errors.Is(err, fs.ErrNotExist):
		data["Path"] = safetext.Line(pathEr.Path, 200)
		return m(i18n.Mark("{{.Path}} does not exist"), "")
	}
	// A bare system error (syscall.Errno is a net.Error too) is not a
	// network failure unless a network operation carried it.
	var nerr net.Error
	var errno syscall.Errno
	if errors.As(err, &nerr) && (opErr != nil || !errors.As(err, &errno)) {
		return retry(at(i18n.Mark("can't reach {{.Addr}}"), i18n.Mark("can't reach the server")), checkDetails, tryNetwork)
	}
	return retry(i18n.Mark("connection failed"), checkDetails, tryNetwork)
}

// lockHint is what to do when another idlebell holds the state file's
// lock on goos (template fields Lock, the lock file, and PID, 0 when
// unknown): which idlebell that is, how to stop it, and how to run this
// one beside it with a state folder of its own, as settings.StatePath
// finds it on that system.
func lockHint(goos string) string {
	switch goos {
	case "linux":
		return i18n.Mark("That is the tray app or the systemd user service; it holds {{.Lock}}. Use that one, or stop it first: choose Quit in its tray menu, or run systemctl --user stop idlebell{{if .PID}} (or kill {{.PID}}){{end}}. To run this one beside it, give it a state folder of its own: XDG_STATE_HOME=/another/folder idlebell")
	case "windows":
		return i18n.Mark("That is the tray app or an idlebell --headless; it holds {{.Lock}}. Use that one, or stop it first: choose Quit in its tray menu, or end idlebell in Task Manager{{if .PID}} (PID {{.PID}}){{end}}. To run this one beside it, give it a state folder of its own: in a Command Prompt, set LocalAppData=C:\\another\\folder and then start idlebell there.")
	case "darwin", "ios":
		return i18n.Mark("That is the idlebell in the menu bar or an idlebell --headless; it holds {{.Lock}}. Use that one, or stop it first: choose Quit in its menu{{if .PID}}, or run kill {{.PID}}{{end}}. On macOS a user's idlebells share the state folder ~/Library/Application Support/idlebell, so one runs at a time.")
	}
	return i18n.Mark("That is the tray app or an idlebell --headless; it holds {{.Lock}}. Use that one, or stop it first: choose Quit in its tray menu{{if .PID}}, or run kill {{.PID}}{{end}}. To run this one beside it, give it a state folder of its own: XDG_STATE_HOME=/another/folder idlebell")
}

func isX509(err error) bool {
	var u x509.UnknownAuthorityError
	var h x509.HostnameError
	var c x509.CertificateInvalidError
	return errors.As(err, &u) || errors.As(err, &h) || errors.As(err, &c)
}

// shortFingerprint is "sha256:AB:CD:EF…" cut after six bytes: enough to
// compare with what the server's admin says, short enough for a menu line.
func shortFingerprint(fp string) string {
	fp = safetext.Line(fp, 120)
	const keep = len("sha256:") + 6*3 - 1
	if len(fp) > keep {
		return fp[:keep] + "…"
	}
	return fp
}

// providerName is an OAuth2 provider as people write it.
func providerName(p string) string {
	switch p {
	case settings.ProviderGoogle:
		return "Google"
	case settings.ProviderMicrosoft:
		return "Microsoft"
	}
	return safetext.Line(p, maxName)
}

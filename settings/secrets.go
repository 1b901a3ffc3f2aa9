package settings

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// KeyringService is the keyring entries' service attribute; the user
// attribute is the account name.
const KeyringService = "idlebell"

// KeyringTokenService is the service of the entries that hold OAuth2
// refresh tokens (auth = "oauth2"); the user attribute is the account name.
// Separate from the passwords, so that switching an account between
// password and OAuth2 never feeds one to the other.
const KeyringTokenService = "idlebell-oauth2"

// Secrets stores account passwords. Get may block (D-Bus, an unlock prompt)
// until ctx is done; Set, Delete and Rename are for the settings window and
// should be called off the UI goroutine. Implementations are safe for
// concurrent use.
type Secrets interface {
	// Get returns the password; an error wrapping ErrSecretNotFound,
	// ErrNoSecretService or ErrKeyringLocked is permanent until the user
	// acts, and its message says what to do.
	Get(ctx context.Context, account string) (string, error)
	Set(account, password string) error
	// Delete removes the entry; a missing entry is not an error.
	Delete(account string) error
	// Rename moves the entry; a missing entry is not an error (the account
	// may use password_command), and the old entry is left if the new one
	// cannot be written.
	Rename(oldName, newName string) error
}

// The keyring's failures, as sentinels for errors.Is. The errors Secrets
// returns wrap them in a message naming the account; the sentinels' own
// texts already say what to do.
var (
	ErrNoSecretService = errors.New("no Secret Service on the session bus: install and start gnome-keyring or KWallet, or set password_command")
	ErrKeyringLocked   = errors.New("the keyring is locked: unlock it (log in to the desktop session, or open Passwords and Keys / Seahorse), or set password_command")
	ErrSecretNotFound  = errors.New("no password stored in the keyring: set it in Settings or with " + storeTool(thisOS))
)

// SecretError is a keyring failure for one account. It unwraps to one of the
// sentinels above and to the keyring's own error (for logs).
type SecretError struct {
	Account string
	Token   bool  // an OAuth2 refresh token, not a password
	Err     error // ErrNoSecretService, ErrKeyringLocked or ErrSecretNotFound
	Cause   error // go-keyring's or D-Bus's error; never contains the password
}

func (e *SecretError) Error() string {
	if e.Token {
		if e.Err == ErrSecretNotFound {
			return fmt.Sprintf("no OAuth2 sign-in stored for account %s: sign in from Settings or with: idlebell login %s", e.Account, quoteArg(thisOS, e.Account))
		}
		return fmt.Sprintf("OAuth2 sign-in for account %q: %v", e.Account, e.Err)
	}
	if e.Err == ErrSecretNotFound {
		return fmt.Sprintf("no password stored for account %s: set it in Settings or with: %s", e.Account, e.StoreCommand())
	}
	return fmt.Sprintf("password for account %q: %v", e.Account, e.Err)
}

// StoreCommand is the command that stores the account's password in the
// keyring where idlebell looks for it, on the system idlebell runs on:
// secret-tool on Linux, security on macOS, cmdkey on Windows. It asks for
// the password itself.
func (e *SecretError) StoreCommand() string {
	return storeCommand(thisOS, KeyringService, e.Account)
}

func (e *SecretError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r == '/' || r == ':' || r == '+' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Keyring is the OS keyring through go-keyring: the Secret Service on Linux
// and BSD (gnome-keyring, KWallet), Keychain on macOS, Credential Manager on
// Windows. Entries have service "idlebell" and user = account name.
func Keyring() Secrets { return osKeyring{service: KeyringService} }

// TokenKeyring is the keyring for OAuth2 refresh tokens: service
// "idlebell-oauth2", user = account name. Its errors say "sign-in" where
// Keyring's say "password".
func TokenKeyring() Secrets { return osKeyring{service: KeyringTokenService, token: true} }

type osKeyring struct {
	service string
	token   bool
}

func (k osKeyring) err(account string, sentinel, cause error) error {
	return &SecretError{Account: account, Token: k.token, Err: sentinel, Cause: cause}
}

// credentialBlobs: the keyring is Windows' Credential Manager, whose own
// tools store UTF-16LE (see decodeCredentialBlob). A test sets it.
var credentialBlobs = runtime.GOOS == "windows"

// keyringGet is keyring.Get; a test replaces it with one that blocks.
var keyringGet = keyring.Get

// Get runs go-keyring on its own goroutine so that ctx can end the wait; a
// call stuck in D-Bus (an unlock prompt nobody answers) is then left to
// finish in the background, as go-keyring has no way to cancel it.
func (k osKeyring) Get(ctx context.Context, account string) (string, error) {
	if err := busCheck(); err != nil {
		return "", k.err(account, ErrNoSecretService, err)
	}
	type result struct {
		pw  string
		err error
	}
	done := make(chan result, 1)
	go func() {
		pw, err := keyringGet(k.service, account)
		done <- result{pw, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return "", k.keyringError(account, "read", r.err)
		}
		if credentialBlobs {
			return decodeCredentialBlob(r.pw), nil
		}
		return r.pw, nil
	case <-ctx.Done():
		return "", fmt.Errorf("read password for account %q from the keyring: %w", account, ctx.Err())
	}
}

func (k osKeyring) Set(account, password string) error {
	if err := busCheck(); err != nil {
		return k.err(account, ErrNoSecretService, err)
	}
	if err := keyring.Set(k.service, account, password); err != nil {
		return k.keyringError(account, "store", err)
	}
	return nil
}

func (k osKeyring) Delete(account string) error {
	if err := busCheck(); err != nil {
		return k.err(account, ErrNoSecretService, err)
	}
	err := keyring.Delete(k.service, account)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return k.keyringError(account, "delete", err)
	}
	return nil
}

func (k osKeyring) Rename(oldName, newName string) error {
	if oldName == newName {
		return nil
	}
	if err := busCheck(); err != nil {
		return k.err(oldName, ErrNoSecretService, err)
	}
	pw, err := keyring.Get(k.service, oldName)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	if err != nil {
		return k.keyringError(oldName, "read", err)
	}
	if err := keyring.Set(k.service, newName, pw); err != nil {
		return k.keyringError(newName, "store", err)
	}
	if err := keyring.Delete(k.service, oldName); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("renamed account %q to %q but could not delete the old keyring entry: %w", oldName, newName, k.keyringError(oldName, "delete", err))
	}
	return nil
}

// keyringError classifies go-keyring's errors by their types: its
// ErrNotFound, a D-Bus error's name, a bus that cannot be reached. go-keyring
// reports an unlock that did not happen (a locked collection, a dismissed
// prompt) in an untyped error, so for what is left the Secret Service is
// asked whether the collection is locked.
func (k osKeyring) keyringError(account, op string, err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return k.err(account, ErrSecretNotFound, err)
	}
	var derr dbus.Error
	if errors.As(err, &derr) {
		switch derr.Name {
		case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
			return k.err(account, ErrNoSecretService, err)
		case "org.freedesktop.Secret.Error.IsLocked":
			return k.err(account, ErrKeyringLocked, err)
		}
	}
	var nerr *net.OpError
	if errors.As(err, &nerr) {
		// DBUS_SESSION_BUS_ADDRESS names a bus that is gone.
		return k.err(account, ErrNoSecretService, err)
	}
	if collectionLocked() {
		return k.err(account, ErrKeyringLocked, err)
	}
	what := "password"
	if k.token {
		what = "OAuth2 sign-in"
	}
	return fmt.Errorf("%s %s for account %q in the keyring: %w", op, what, account, err)
}

// busKnown reports whether a session bus is named, by the environment or
// the user's bus socket; godbus would run dbus-launch otherwise.
func busKnown() error {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return nil
	}
	runtimeDir := os.Getenv("XDG_RUNTIME_DIR")
	if runtimeDir == "" {
		runtimeDir = "/run/user/" + strconv.Itoa(os.Getuid())
	}
	if _, err := os.Stat(runtimeDir + "/bus"); err != nil {
		return errors.New("DBUS_SESSION_BUS_ADDRESS is not set and there is no user bus socket")
	}
	return nil
}

// collectionLocked asks the Secret Service whether the collection go-keyring
// uses (the "login" collection, else the default alias) is locked. It gives
// up after two seconds and on any error, answering false.
func collectionLocked() bool {
	if busKnown() != nil {
		return false
	}
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, path := range []dbus.ObjectPath{"/org/freedesktop/secrets/collection/login", "/org/freedesktop/secrets/aliases/default"} {
		var locked dbus.Variant
		err := conn.Object("org.freedesktop.secrets", path).
			CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, "org.freedesktop.Secret.Collection", "Locked").
			Store(&locked)
		if err == nil {
			b, _ := locked.Value().(bool)
			return b
		}
	}
	return false
}

// busCheck is sessionBusMissing; unit tests on keyring.MockInit turn it off.
var busCheck = sessionBusMissing

// sessionBusMissing stops godbus from running dbus-launch (which would start
// a stray bus per process, without a keyring) when no session bus is known,
// and reports a bus that is known but cannot be reached.
func sessionBusMissing() error {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" || runtime.GOOS == "ios" || runtime.GOOS == "android" {
		return nil
	}
	if err := busKnown(); err != nil {
		return err
	}
	// Connect here, so that a bus that cannot be reached is told apart by
	// where it failed; go-keyring then shares this connection.
	_, err := dbus.SessionBus()
	return err
}

// ErrPasswordCommand marks a failed password_command (exit status, timeout,
// no output, program missing). It is permanent until the user acts.
var ErrPasswordCommand = errors.New("password_command failed")

// PasswordCommandError is a failed password_command. Reason says what
// happened, in English: the program's name (never the rest of the command
// line, which may hold a secret), its exit status or timeout, and the start
// of its stderr (never its stdout). Kind and the fields it names say the
// same for a front that words it in the user's language. It matches
// ErrPasswordCommand with errors.Is, and Err (a context or exec error, may
// be nil) too.
type PasswordCommandError struct {
	Reason  string
	Kind    PasswordCommandKind
	Program string        // the program's name only
	Status  int           // its exit status (PasswordCommandExited)
	Timeout time.Duration // the time it had (PasswordCommandTimedOut)
	Stderr  string        // the start of its stderr on one line, "" if none
	Err     error
}

// PasswordCommandKind is how a password_command failed.
type PasswordCommandKind int

const (
	// PasswordCommandFailed: it could not be run, or was stopped; Err says why.
	PasswordCommandFailed   PasswordCommandKind = iota
	PasswordCommandEmpty                        // the setting is blank
	PasswordCommandNotFound                     // no such program (PATH)
	PasswordCommandTimedOut                     // still running after Timeout
	PasswordCommandExited                       // non-zero exit Status
	PasswordCommandNoOutput                     // an empty first line
)

func (e *PasswordCommandError) Error() string { return ErrPasswordCommand.Error() + ": " + e.Reason }

func (e *PasswordCommandError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrPasswordCommand}
	}
	return []error{ErrPasswordCommand, e.Err}
}

// PasswordFor is the account's password source: password_command when set,
// else the keyring entry in s (Keyring() when s is nil). The function is
// called before every login from the account's goroutine and blocks at most
// until ctx is done (or password_command's 10 s timeout).
func PasswordFor(a Account, s Secrets) func(ctx context.Context) (string, error) {
	if a.PasswordCommand != "" {
		cmd := a.PasswordCommand
		name := a.Name
		return func(ctx context.Context) (string, error) {
			pw, err := RunPasswordCommand(ctx, cmd)
			if err != nil {
				return "", fmt.Errorf("password for account %q: %w", name, err)
			}
			return pw, nil
		}
	}
	if s == nil {
		s = Keyring()
	}
	name := a.Name
	return func(ctx context.Context) (string, error) { return s.Get(ctx, name) }
}

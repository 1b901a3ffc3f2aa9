// Package openmail opens a mail where the user reads mail: a click on a
// bubble. In order:
//
//  1. the account's open_command (or [notifications].open_command), run
//     through the shell with the mail's data in IDLEBELL_* environment
//     variables, as hooks get it — never in the command line;
//  2. for a Gmail or Microsoft account (the OAuth2 presets, or their IMAP
//     hosts), the webmail's search for the Message-ID in the default
//     browser (Gmail: rfc822msgid:);
//  3. the desktop's default mail program (on Linux `xdg-mime query default
//     x-scheme-handler/mailto`): Thunderbird and Betterbird with
//     mid:<Message-ID>, Evolution with its mid: form, any other (KMail,
//     Claws Mail, Geary, Mailspring…) started as it is, at its inbox. Never
//     a compose window (mailto:). macOS: Mail's message: URL. Windows: the
//     registered default mail client (Clients\Mail), Thunderbird and
//     Betterbird with mid:<Message-ID>.
//
// It imports no GUI toolkit.
package openmail

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode"

	"idlebell/hooks"
	"idlebell/i18n"
	"idlebell/imapwatch"
	"idlebell/internal/proc"
	"idlebell/settings"
)

// ErrNoMailProgram: no open_command, no webmail, and the desktop names no
// default mail program (or it cannot be found).
var ErrNoMailProgram = errors.New("no mail program found")

// ErrCommandFailed wraps a failure of the program started (exit status ≠ 0
// within the first seconds).
var ErrCommandFailed = errors.New("the mail program failed")

// Problem is the short bubble for a failed open: a title and what to do.
func Problem(err error) (title, body string) {
	switch {
	case errors.Is(err, ErrNoMailProgram):
		return i18n.T("No mail program found"), i18n.T("Set “Open command” in Settings, such as thunderbird")
	default:
		return i18n.T("Could not open the mail"), i18n.T("Check “Open command” in Settings")
	}
}

// settle is how long a started program is watched for an early failure:
// a mail program that is already running hands the request to that one
// and exits at once (Thunderbird's remote protocol); one that starts stays.
const settle = 3 * time.Second

// Opener opens mail. The zero value uses the real system; tests set the
// fields.
type Opener struct {
	// Env is added to each command's environment (tests: PATH, XDG_*).
	Env []string
	// GOOS overrides runtime.GOOS (tests).
	GOOS string
}

// Open opens m (nil: the account's mail program, no particular message)
// for account a of cfg. It returns once the program started and did not
// fail within a few seconds, or ctx ended.
func (o Opener) Open(ctx context.Context, cfg *settings.Config, a settings.Account, m *imapwatch.NewMail) error {
	env := []string{"IDLEBELL_ACCOUNT=" + strings.ReplaceAll(a.Name, "\x00", "")}
	if m != nil {
		env = hooks.MailEnv(m)
	}
	if c := cfg.EffectiveOpenCommand(a); c != "" {
		cmd, err := proc.Detached(c, proc.Auto)
		if err != nil {
			return fmt.Errorf("%w: open_command: %w", ErrCommandFailed, err)
		}
		return o.start(ctx, cmd, "open_command", env)
	}
	id := ""
	if m != nil {
		id = strings.Trim(m.MessageID, "<>")
	}
	if u := Webmail(a, id); u != "" {
		cmd, err := proc.Opener(u)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCommandFailed, err)
		}
		return o.start(ctx, cmd, "the browser", env)
	}
	line, what, err := o.mailProgram(ctx, id)
	if err != nil {
		return err
	}
	cmd, err := proc.Detached(line, proc.Auto)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCommandFailed, err)
	}
	return o.start(ctx, cmd, what, env)
}

// joinArgs quotes argv into one command line for proc (POSIX shell
// quoting where needed; proc runs it without a shell when it can).
func joinArgs(argv []string) string {
	var parts []string
	for _, a := range argv {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`|&;<>()*?[]#~=%!{}") {
			parts = append(parts, a)
			continue
		}
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}

func (o Opener) goos() string {
	if o.GOOS != "" {
		return o.GOOS
	}
	return runtime.GOOS
}

// Webmail is the web page that finds the message with Message-ID id
// (without angle brackets; "" for the inbox) for a Gmail or Microsoft
// account, or "" for another account.
func Webmail(a settings.Account, id string) string {
	host := strings.ToLower(a.WithDefaults().Host)
	switch {
	case a.OAuthProvider == settings.ProviderGoogle || host == "imap.gmail.com" || host == "imap.googlemail.com":
		u := "https://mail.google.com/mail/"
		if a.Username != "" {
			u += "?authuser=" + url.QueryEscape(a.Username)
		}
		if id != "" {
			u += "#search/" + url.PathEscape("rfc822msgid:"+id)
		}
		return u
	case a.OAuthProvider == settings.ProviderMicrosoft || host == "outlook.office365.com" || host == "imap-mail.outlook.com":
		if id == "" {
			return "https://outlook.office.com/mail/"
		}
		return "https://outlook.office.com/mail/search?q=" + url.QueryEscape("<"+id+">")
	}
	return ""
}

// mailProgram is the command line that opens message id ("": the inbox)
// in the desktop's default mail program, and the program's name.
func (o Opener) mailProgram(ctx context.Context, id string) (line, what string, err error) {
	switch o.goos() {
	case "darwin":
		if id == "" {
			return "open -b com.apple.mail", "Mail", nil
		}
		return joinArgs([]string{"open", "message:" + url.PathEscape("<"+id+">")}), "Mail", nil
	case "windows":
		name, command, err := windowsMailClient()
		if err != nil {
			return "", "", fmt.Errorf("%w: %w", ErrNoMailProgram, err)
		}
		return WindowsMailCommand(name, command, id), name, nil
	}
	argv, err := o.desktopMailProgram(ctx, id)
	if err != nil {
		return "", "", err
	}
	return joinArgs(argv), argv[0], nil
}

// WindowsMailCommand is the command line that opens message id ("": the
// inbox) with the mail client registered as name under Clients\Mail, whose
// shell\open\command is command: Thunderbird and Betterbird get
// "mid:<id>" added, any other starts as registered (its inbox). The sender
// chose the id: one that is not plainly safe on a Windows command line
// (see safeWindowsArg) is left out, and the client opens at its inbox.
func WindowsMailCommand(name, command, id string) string {
	n := strings.ToLower(name + " " + command)
	if id != "" && safeWindowsArg(id) && (strings.Contains(n, "thunderbird") || strings.Contains(n, "betterbird")) {
		return command + ` "mid:` + id + `"`
	}
	return command
}

// safeWindowsArg says whether s can go between double quotes on a Windows
// command line and reach the program as one argument, unchanged, whether the
// line runs directly or under cmd.exe: no quote or backslash (which end or
// escape the quotes for CommandLineToArgvW), no white space or control
// character, none of cmd.exe's & | < > ( ) ^ %. What Message-IDs are made of
// (RFC 5322 dot-atoms: letters, digits, . - _ @ + = $ # ! ~ * ' / { } ? and
// the like, and non-ASCII letters) passes.
func safeWindowsArg(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || unicode.IsSpace(r):
			return false
		case strings.ContainsRune("&|<>()^%", r):
			return false
		case r >= 0x80 && !unicode.IsPrint(r):
			return false
		}
	}
	return true
}

// desktopMailProgram is mailProgram on Linux and the BSDs: the mailto
// handler's desktop entry, as an argument list.
func (o Opener) desktopMailProgram(ctx context.Context, id string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "xdg-mime", "query", "default", "x-scheme-handler/mailto")
	cmd.Env = append(os.Environ(), o.Env...)
	out, err := cmd.Output()
	desktop := strings.TrimSpace(string(out))
	if err != nil || desktop == "" {
		return nil, fmt.Errorf("%w: the desktop has no handler for mailto links", ErrNoMailProgram)
	}
	execLine, err := o.desktopExec(desktop)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoMailProgram, desktop, err)
	}
	argv := execArgs(execLine)
	if len(argv) == 0 {
		return nil, fmt.Errorf("%w: %s has no Exec line", ErrNoMailProgram, desktop)
	}
	if id != "" && takesMid(desktop, argv) {
		argv = append(argv, "mid:"+id)
	}
	return argv, nil
}

// takesMid reports whether the program opens "mid:" URLs (RFC 2392):
// Thunderbird, Betterbird, Evolution.
func takesMid(desktop string, argv []string) bool {
	name := strings.ToLower(desktop + " " + strings.Join(argv, " "))
	for _, p := range []string{"thunderbird", "betterbird", "evolution"} {
		if strings.Contains(name, p) {
			return true
		}
	}
	return false
}

// desktopExec finds the desktop entry in the XDG data dirs and returns its
// Exec value (Desktop Entry Specification: applications/, with "-" in the
// id standing for a subdirectory too).
func (o Opener) desktopExec(id string) (string, error) {
	getenv := func(k string) string {
		for i := len(o.Env) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(o.Env[i], k+"="); ok {
				return v
			}
		}
		return os.Getenv(k)
	}
	dataHome := getenv("XDG_DATA_HOME")
	if dataHome == "" {
		home, _ := os.UserHomeDir()
		dataHome = filepath.Join(home, ".local", "share")
	}
	dirs := []string{dataHome}
	dataDirs := getenv("XDG_DATA_DIRS")
	if dataDirs == "" {
		dataDirs = "/usr/local/share:/usr/share"
	}
	dirs = append(dirs, filepath.SplitList(dataDirs)...)
	for _, d := range dirs {
		for _, rel := range []string{id, strings.ReplaceAll(id, "-", "/")} {
			f, err := os.Open(filepath.Join(d, "applications", rel))
			if err != nil {
				continue
			}
			line, err := execValue(f)
			f.Close()
			if err == nil {
				return line, nil
			}
		}
	}
	return "", errors.New("desktop entry not found")
}

func execValue(f *os.File) (string, error) {
	sc := bufio.NewScanner(f)
	inEntry := false
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "[") {
			inEntry = l == "[Desktop Entry]"
			continue
		}
		if v, ok := strings.CutPrefix(l, "Exec="); ok && inEntry {
			return v, nil
		}
	}
	return "", errors.New("no Exec line")
}

// execArgs splits an Exec value into arguments and drops the field codes
// (%u, %U, %f…) and Flatpak's @@ markers: the caller adds its own URL.
func execArgs(s string) []string {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			quoted = !quoted
			inArg = true
		case !quoted && (c == ' ' || c == '\t'):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	out := args[:0]
	for _, a := range args {
		if (len(a) == 2 && a[0] == '%') || a == "@@" || a == "@@u" {
			continue
		}
		out = append(out, strings.ReplaceAll(a, "%%", "%"))
	}
	return out
}

// start runs cmd with env added and watches it for settle: an exit with a
// status other than 0 in that time is an error; a program still running
// then is left running (a goroutine reaps it when it exits).
func (o Opener) start(ctx context.Context, cmd *proc.Cmd, what string, env []string) error {
	cmd.Env = append(append(os.Environ(), o.Env...), env...)
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s is not installed", ErrNoMailProgram, what)
		}
		return fmt.Errorf("%w: %s: %w", ErrCommandFailed, what, err)
	}
	done := make(chan error, 1)
	// Owned by the started program: ends when it exits.
	go func() { done <- cmd.Wait() }()
	t := time.NewTimer(settle)
	defer t.Stop()
	select {
	case err := <-done:
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee) && ee.ExitCode() == 3 && what == "the browser":
			return fmt.Errorf("%w: no program opens web pages", ErrNoMailProgram)
		case err != nil:
			return fmt.Errorf("%w: %s: %w", ErrCommandFailed, what, err)
		}
		return nil
	case <-t.C:
		return nil
	case <-ctx.Done():
		return nil
	}
}

// Package cli holds idlebell's command line: the subcommands (check, login,
// discover, settings) with their flags, their output for people and for
// scripts and their exit statuses, and what the main command needs from its
// flags (the logger, the version, the config and state it starts with).
// Errors read as explain describes them. It never imports the UI toolkit:
// the settings window comes in through Env.Settings.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"idlebell/discover"
	"idlebell/explain"
	"idlebell/i18n"
	"idlebell/safetext"
	"idlebell/settings"
)

// Env is what a subcommand runs with.
type Env struct {
	Stdout, Stderr io.Writer // nil: the process's
	// Secrets and Tokens hold the passwords and the OAuth2 refresh tokens;
	// nil: the OS keyring (settings.Keyring, settings.TokenKeyring).
	Secrets, Tokens settings.Secrets
	// Discoverer finds servers for discover; nil: the real network.
	Discoverer *discover.Discoverer
	// Settings shows the settings window until its last window closes and
	// returns the exit status; nil in a build without it (-tags nogui).
	Settings func(context.Context, SettingsWindow) int
}

// Run runs the subcommand args[0] with the rest of args and returns its
// exit status; ok is false when args is empty or args[0] names none.
func Run(env Env, args []string) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	switch args[0] {
	case "check":
		return check(env, args[1:]), true
	case "login":
		return login(env, args[1:]), true
	case "discover":
		return discoverCmd(env, args[1:], env.Discoverer), true
	case "settings":
		return settingsCmd(env, args[1:]), true
	}
	return 0, false
}

// newFlags is the flag set of `idlebell NAME`: errors and usage go to
// stderr, the usage text (English, marked; shown in the user's language)
// first, then the flags as printDefaults lists them.
func newFlags(env Env, name, usage string) *flag.FlagSet {
	fset := flag.NewFlagSet(strings.TrimSpace("idlebell "+name), flag.ContinueOnError)
	fset.SetOutput(env.Stderr)
	fset.Usage = func() { fmt.Fprint(env.Stderr, i18n.Translate(usage)); printDefaults(env.Stderr, fset) }
	return fset
}

// printDefaults lists fset's flags as flag.PrintDefaults does ("  -config
// PATH" and the description on the next line), but with the default in
// the user's language: the descriptions are translated where the flags are
// defined, and name their value's placeholder in backquotes (`PATH`), as
// flag.UnquoteUsage reads it.
func printDefaults(w io.Writer, fset *flag.FlagSet) {
	fset.VisitAll(func(f *flag.Flag) {
		var b strings.Builder
		fmt.Fprintf(&b, "  -%s", f.Name)
		name, usage := flag.UnquoteUsage(f)
		if name != "" {
			b.WriteString(" " + name)
		}
		if b.Len() <= 4 {
			b.WriteString("\t")
		} else {
			b.WriteString("\n    \t")
		}
		b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
		switch def := f.DefValue; def {
		case "", "false", "0", "0s":
		default:
			if g, ok := f.Value.(flag.Getter); ok {
				if _, isString := g.Get().(string); isString {
					def = strconv.Quote(def)
				}
			}
			b.WriteString(" " + i18n.T("(default %s)", def))
		}
		fmt.Fprintln(w, b.String())
	})
}

// parse parses args; when ok is false the subcommand ends with code: 0
// after --help, 2 after a bad flag (already said on stderr). Flags may
// follow the arguments, as people type them (`discover max@gmx.de
// --json`); after "--" nothing is a flag. fset.Args() are the arguments.
func parse(fset *flag.FlagSet, args []string) (code int, ok bool) {
	var positional []string
	for {
		if err := fset.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK, false
			}
			return exitUsage, false
		}
		rest := fset.Args()
		if n := len(args) - len(rest); len(rest) == 0 || n > 0 && args[n-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	_ = fset.Parse(append([]string{"--"}, positional...)) // sets Args; parses no flag
	return exitOK, true
}

// interruptible is a context that ends on SIGINT or SIGTERM, or after
// timeout when it is not 0.
func interruptible(timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if timeout == 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, func() { cancel(); stop() }
}

// usage is `idlebell --help`: the main command's forms and the
// subcommands; the flags follow it.
var usage = i18n.Mark(`idlebell: instant new-mail notifications over IMAP IDLE.

Usage:
  idlebell [flags]                 tray app (the default)
  idlebell --headless [flags]      no GUI: one JSON line per new mail on stdout
  idlebell --demo                  try it: an embedded server delivers mail every 20 s
  idlebell check [--config PATH] [--json]
                                   test every enabled account once and exit
  idlebell login [--device|--browser] ACCOUNT
                                   sign an OAuth2 account (Gmail, Outlook.com, Microsoft 365) in
  idlebell discover [--json] ADDRESS
                                   find the IMAP server of a mail address
  idlebell settings [--config PATH] [--account NAME | --add] [--about]
                                   the settings window (the tray's Settings… opens it)

Examples:
  idlebell --headless | jq -r .subject
  idlebell --headless --notify --log-level debug
  idlebell check --json

Flags:
`)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2 // bad flags, or a config that cannot be used
	exitLocked = 3 // another idlebell watches with the same state file
)

// loadConfig reads the config at path (the default location when empty).
// On failure it says why on stderr, with noFile as the advice when there is
// no file, and returns the exit status.
func loadConfig(env Env, cmd, path, noFile string) (*settings.Config, string, int) {
	if path == "" {
		p, err := settings.Path()
		if err != nil {
			fmt.Fprintf(env.Stderr, "idlebell %s: %v\n", cmd, err)
			return nil, "", exitFailed
		}
		path = p
	}
	cfg, err := settings.Load(path)
	var cfgErr *settings.Error
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintln(env.Stderr, i18n.T("idlebell %s: no config file at %s: %s", cmd, path, noFile))
		return nil, path, exitUsage
	case errors.As(err, &cfgErr):
		fmt.Fprintln(env.Stderr, cfgErr.Localized())
		return nil, path, exitUsage
	case err != nil:
		fmt.Fprintf(env.Stderr, "idlebell %s: %s\n", cmd, configProblem(err))
		return nil, path, exitUsage
	}
	return cfg, path, exitOK
}

// configProblem is what every front says about a config file that Load
// could not use (other than a missing one), in the user's language: a
// file that cannot be read (a folder, no permission) as what it is, with
// its path.
func configProblem(err error) string {
	return sentenceAndHint(err)
}

// sentenceAndHint is explain's description on one line, in the user's
// language: "sentence. Hint".
func sentenceAndHint(err error) string {
	s, h := explain.DescribeIn(i18n.Template, err)
	if h == "" {
		return s
	}
	return s + ". " + h
}

// lockedWriter serialises writes from several goroutines (the traces of
// accounts checked at once).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// quoted is a name the user typed, in the typographic quotes of the
// user's language: “Work”, „Arbeit“.
func quoted(s string) string { return i18n.T("“%s”", safetext.Line(s, 200)) }

// decimal is x with two decimals and the user's decimal mark: 0.44, 0,44.
func decimal(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	if i18n.Language() == "de" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

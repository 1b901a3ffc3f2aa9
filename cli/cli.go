// Package cli holds idlebell's subcommands (check, login, discover): their flags,
// their output for people and for scripts, and their exit statuses. Errors
// read as explain describes them. It never imports the UI toolkit.
package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"idlebell/discover"
	"idlebell/explain"
	"idlebell/i18n"
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
	}
	return 0, false
}

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
		fmt.Fprintln(env.Stderr, err)
		return nil, path, exitUsage
	case err != nil:
		fmt.Fprintf(env.Stderr, "idlebell %s: %s\n", cmd, sentenceAndHint(err))
		return nil, path, exitFailed
	}
	return cfg, path, exitOK
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

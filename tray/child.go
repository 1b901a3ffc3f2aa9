package tray

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ControlEnv, set to 1 in the settings process's environment, makes it
// take commands on stdin and report on stdout (see the ui package's
// RunSettings): the tray's pipe to the window it started.
const ControlEnv = "IDLEBELL_CONTROL"

// Control lines, one per line, arguments quoted with strconv.Quote:
//
//	tray → settings:  show-settings "ACCOUNT"   show-about
//	                  state "ACCOUNT\tLINE"  (the account's state, as the menu says it)
//	settings → tray:  retry "ACCOUNT"  (a password or sign-in was saved)
const (
	CmdShowSettings = "show-settings"
	CmdShowAbout    = "show-about"
	CmdShowAdd      = "show-add"
	CmdState        = "state"
	CmdRetry        = "retry"
)

// StateArg is the argument of a state line. Account names have no tab
// (settings refuses control characters in them).
func StateArg(account, line string) string { return account + "\t" + line }

// ParseState splits a state line's argument.
func ParseState(arg string) (account, line string, ok bool) {
	return strings.Cut(arg, "\t")
}

// ControlLine formats one control line.
func ControlLine(cmd string, arg string) string {
	if arg == "" {
		return cmd + "\n"
	}
	return cmd + " " + strconv.Quote(arg) + "\n"
}

// ParseControlLine splits a control line; ok is false for a malformed one.
func ParseControlLine(line string) (cmd, arg string, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	cmd, rest, found := strings.Cut(line, " ")
	if !found {
		return cmd, "", cmd != ""
	}
	arg, err := strconv.Unquote(rest)
	return cmd, arg, err == nil
}

// settingsChild is the settings process the tray started: at most one at
// a time. A second Settings… click sends it a line and the open window
// comes to the front, instead of starting another. It lives on the tray
// goroutine; its reader goroutine reports through do.
type settingsChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	sent  map[string]string // the state lines it has been told
}

// sendStates tells the settings window each account's state, as the menu
// says it, when it changed since it was last told.
func (t *trayUI) sendStates(now time.Time) {
	c := t.settings
	if c == nil {
		return
	}
	for _, name := range t.model.order {
		st := t.model.status(name, now)
		if c.sent[name] == st {
			continue
		}
		c.sent[name] = st
		if _, err := io.WriteString(c.stdin, ControlLine(CmdState, StateArg(name, st))); err != nil {
			return // on its way out
		}
	}
}

// showSettings opens the settings window at account ("" for the list), or
// brings the open one to the front.
func (t *trayUI) showSettings(account string) {
	var args []string
	if account != "" {
		args = []string{"--account", account}
	}
	t.toChild(ControlLine(CmdShowSettings, account), args)
}

// showAdd opens the settings window with its Add an account dialog.
func (t *trayUI) showAdd() { t.toChild(ControlLine(CmdShowAdd, ""), []string{"--add"}) }

// showAbout opens the About window (in the settings process).
func (t *trayUI) showAbout() { t.toChild(ControlLine(CmdShowAbout, ""), []string{"--about"}) }

func (t *trayUI) toChild(line string, args []string) {
	if c := t.settings; c != nil {
		if _, err := io.WriteString(c.stdin, line); err == nil {
			return
		}
		// It is on its way out; start another.
	}
	if len(t.o.SettingsCommand) == 0 || t.do == nil {
		t.o.Logger.Warn("the settings window is not available here")
		return
	}
	argv := append(append([]string(nil), t.o.SettingsCommand...), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), ControlEnv+"=1")
	cmd.Stderr = os.Stderr // its log lines join ours
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.o.Logger.Error("start the settings window", "err", err)
		return
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.o.Logger.Error("start the settings window", "err", err)
		return
	}
	if err := cmd.Start(); err != nil {
		t.o.Logger.Error("start the settings window", "err", err)
		return
	}
	t.o.Logger.Info("settings window started", "pid", cmd.Process.Pid)
	c := &settingsChild{cmd: cmd, stdin: stdin, sent: map[string]string{}}
	t.settings = c
	t.sendStates(t.now())
	watcher, logger, do := t.o.Watcher, t.o.Logger, t.do
	// Owned by the child process: reads its reports until it exits (its
	// stdout closes), then reaps it. Run closes stdin at exit, which
	// makes the process quit.
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			cmd, arg, ok := ParseControlLine(sc.Text())
			switch {
			case ok && cmd == CmdRetry && watcher != nil:
				logger.Info("settings saved a secret; reconnecting", "account", arg)
				watcher.Retry(arg)
			default:
				logger.Debug("settings window said something unknown", "line", fmt.Sprintf("%q", sc.Text()))
			}
		}
		err := cmd.Wait()
		do(func() {
			if t.settings == c {
				t.settings = nil
			}
			logger.Info("settings window closed", "err", err)
		})
	}()
}

// closeSettings tells the settings process to quit (its stdin closes).
func (t *trayUI) closeSettings() {
	if t.settings != nil {
		_ = t.settings.stdin.Close()
		t.settings = nil
	}
}

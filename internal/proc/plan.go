// Package proc starts the user's commands — password_command, the
// on_new_mail hooks, open_command — the same way on every OS: one place for
// the shell choice, the command line a program receives, the kill of the
// whole process tree on timeout and at exit, and output kept within bounds.
//
// On Linux, macOS and the BSDs a command line runs under `/bin/sh -c` (or
// directly, split on white space, when it has no shell syntax) in its own
// process group, which a timeout kills with SIGKILL.
//
// On Windows the command line is passed raw (SysProcAttr.CmdLine), never
// through Go's argument escaping, which cmd.exe does not understand:
// `cmd.exe /d /s /c "LINE"` runs LINE exactly as typed. Hooks run under
// Windows PowerShell (`powershell.exe -NoProfile -NonInteractive -Command`),
// where `$env:IDLEBELL_SUBJECT` is a value that is never parsed again, unlike
// cmd's `%IDLEBELL_SUBJECT%`. Every process started for a command belongs
// to a Job Object that kills the tree on timeout and when idlebell exits.
//
// The builders in this file are pure and build on every OS, so the Windows
// command lines are tested wherever the tests run; only the process
// creation is behind build tags.
package proc

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Shell says how a command line is interpreted.
type Shell int

const (
	// Auto runs the line directly when it has no shell syntax (the first
	// word is the program, the rest its arguments) and under the system
	// shell otherwise. For password_command and open_command.
	Auto Shell = iota
	// System always runs the line under the system shell: `/bin/sh -c` on
	// Unix, `cmd.exe /d /s /c "…"` on Windows.
	System
	// PowerShell runs the line as a Windows PowerShell script. Windows only.
	PowerShell
)

func (s Shell) String() string {
	switch s {
	case Auto:
		return "auto"
	case System:
		return "system shell"
	case PowerShell:
		return "PowerShell"
	}
	return fmt.Sprintf("Shell(%d)", int(s))
}

// HookShell is the shell hooks run under on goos, given the account's
// hook_shell setting ("", "powershell" or "cmd"): PowerShell on Windows
// unless the setting is "cmd", the system shell (sh) everywhere else, where
// the setting means nothing.
func HookShell(goos, setting string) Shell {
	if goos == "windows" && setting != "cmd" {
		return PowerShell
	}
	return System
}

// Plan is how one command line is started.
type Plan struct {
	// Path is the program: an absolute path, or on Unix a bare name that
	// exec looks up in PATH.
	Path string
	// Args is the argument vector, Args[0] the program's name (Unix). On
	// Windows it holds the program only; the arguments are in CmdLine.
	Args []string
	// CmdLine is, on Windows, the command line exactly as the program
	// receives it (CreateProcess's lpCommandLine). Empty on Unix.
	CmdLine string
}

// Errors of the builders. They say what to change in the command.
var (
	ErrEmpty = errors.New("the command is empty")
	// ErrNUL: no OS passes a NUL character in a command line.
	ErrNUL = errors.New("the command contains a NUL character")
	// ErrMultiLine: cmd.exe /c runs only up to the first line break.
	ErrMultiLine = errors.New("cmd.exe runs only the first line of a command: put it on one line, joining commands with &, or use PowerShell")
	// ErrNoPowerShell: PowerShell is asked for on a system other than Windows.
	ErrNoPowerShell = errors.New("PowerShell hooks run only on Windows")
)

// unixShellChars make a line need sh: quoting, expansion, redirection,
// pipes, globs, assignments, comments.
const unixShellChars = "|&;<>()$`\\\"'*?[]{}~=#!\n\r"

// PlanUnix builds the plan for line under sh on Linux, macOS and the BSDs.
// Auto splits a line without shell syntax on white space and runs it
// directly; System (and Auto with shell syntax) runs `/bin/sh -c LINE`.
// Errors: ErrEmpty, ErrNUL, ErrNoPowerShell.
func PlanUnix(line string, shell Shell) (Plan, error) {
	if err := check(line); err != nil {
		return Plan{}, err
	}
	switch shell {
	case PowerShell:
		return Plan{}, ErrNoPowerShell
	case Auto:
		if !strings.ContainsAny(line, unixShellChars) {
			args := strings.Fields(line)
			return Plan{Path: args[0], Args: args}, nil
		}
	}
	return Plan{Path: "/bin/sh", Args: []string{"/bin/sh", "-c", line}}, nil
}

func check(line string) error {
	switch {
	case strings.TrimSpace(line) == "":
		return ErrEmpty
	case strings.IndexByte(line, 0) >= 0:
		return ErrNUL
	}
	return nil
}

// WinEnv is what PlanWindows needs to know about the Windows it plans for.
type WinEnv struct {
	ComSpec    string // %ComSpec%, the path of cmd.exe; may be empty
	SystemRoot string // %SystemRoot%, e.g. C:\Windows
	// LookPath resolves a program name the way exec.LookPath does on
	// Windows (PATH, PATHEXT); Auto uses it for lines it runs directly.
	LookPath func(name string) (string, error)
}

// cmdPath is the cmd.exe to run: %ComSpec% when it is an absolute path,
// else System32's. Never a lookup in PATH or the current directory.
func (e WinEnv) cmdPath() string {
	if isWindowsAbs(e.ComSpec) {
		return e.ComSpec
	}
	return winJoin(e.systemRoot(), `System32\cmd.exe`)
}

// PowerShellPath is Windows PowerShell 5.1, which every Windows 10 and 11
// has, under the given %SystemRoot%.
func PowerShellPath(systemRoot string) string {
	return winJoin(WinEnv{SystemRoot: systemRoot}.systemRoot(), `System32\WindowsPowerShell\v1.0\powershell.exe`)
}

func (e WinEnv) systemRoot() string {
	if isWindowsAbs(e.SystemRoot) {
		return e.SystemRoot
	}
	return `C:\Windows`
}

// winShellChars make a line need cmd.exe on Windows: command separators,
// pipes, redirection, grouping, its escape character and %VAR% expansion.
// Quotes and backslashes do not: a program parses its own command line.
const winShellChars = "&|<>()^%\r\n"

// cmdBuiltins are cmd.exe's internal commands: no .exe exists for them.
var cmdBuiltins = map[string]bool{
	"assoc": true, "break": true, "call": true, "cd": true, "chdir": true, "cls": true, "color": true,
	"copy": true, "date": true, "del": true, "dir": true, "dpath": true, "echo": true, "endlocal": true,
	"erase": true, "exit": true, "for": true, "ftype": true, "goto": true, "if": true, "md": true,
	"mkdir": true, "mklink": true, "move": true, "path": true, "pause": true, "popd": true,
	"prompt": true, "pushd": true, "rd": true, "rem": true, "ren": true, "rename": true, "rmdir": true,
	"set": true, "setlocal": true, "shift": true, "start": true, "time": true, "title": true,
	"type": true, "ver": true, "verify": true, "vol": true,
}

// PlanWindows builds the plan for line on Windows.
//
//   - System: `"C:\Windows\System32\cmd.exe" /d /s /c "LINE"`. With /s, cmd
//     removes the first and the last quote and runs what is between as
//     typed: LINE needs no escaping and gets none. /d skips the AutoRun
//     commands of the registry.
//   - PowerShell: `"…\powershell.exe" -NoProfile -NonInteractive -Command
//     "SCRIPT"`, the script quoted by the rules every Windows program's
//     argument parser follows (CommandLineToArgvW), so powershell.exe gets
//     it back exactly.
//   - Auto: a line without cmd syntax (& | < > ( ) ^ % or a line break)
//     whose first word is a program, not a cmd built-in or a batch file,
//     runs directly: the program (quoted or not) is looked up with LookPath
//     and receives the line as it is. Anything else runs as System.
//
// Errors: ErrEmpty, ErrNUL; ErrMultiLine for a line break under cmd.exe; LookPath's
// error for a program that cannot be found.
func PlanWindows(line string, shell Shell, env WinEnv) (Plan, error) {
	if err := check(line); err != nil {
		return Plan{}, err
	}
	switch shell {
	case PowerShell:
		ps := PowerShellPath(env.SystemRoot)
		return Plan{
			Path:    ps,
			Args:    []string{ps},
			CmdLine: QuoteArg(ps) + " -NoProfile -NonInteractive -Command " + QuoteArg(line),
		}, nil
	case Auto:
		if p, ok, err := planDirect(line, env); ok || err != nil {
			return p, err
		}
	}
	// A line break at either end (a TOML multi-line string) is not a
	// second line.
	line = strings.Trim(line, "\r\n")
	if strings.ContainsAny(line, "\r\n") {
		return Plan{}, ErrMultiLine
	}
	cmd := env.cmdPath()
	return Plan{Path: cmd, Args: []string{cmd}, CmdLine: QuoteArg(cmd) + ` /d /s /c "` + line + `"`}, nil
}

// planDirect plans line without a shell when it can run without one; ok is
// false when it needs cmd.exe.
func planDirect(line string, env WinEnv) (p Plan, ok bool, err error) {
	line = strings.Trim(line, " \t\r\n")
	if strings.ContainsAny(line, winShellChars) {
		return Plan{}, false, nil
	}
	prog, ok := firstWord(line)
	if !ok || cmdBuiltins[strings.ToLower(prog)] || isBatch(prog) {
		return Plan{}, false, nil
	}
	if env.LookPath == nil {
		return Plan{}, false, nil
	}
	path, err := env.LookPath(prog)
	if err != nil {
		return Plan{}, false, fmt.Errorf("program %q: %w", prog, err)
	}
	if isBatch(path) {
		// CreateProcess would start cmd.exe for it behind our back, with
		// its own idea of the quoting; start it the documented way.
		return Plan{}, false, nil
	}
	return Plan{Path: path, Args: []string{path}, CmdLine: line}, true, nil
}

// firstWord is the program at the start of a Windows command line: up to
// the closing quote when it starts with one, else up to white space; ok is
// false for an unclosed quote or an empty name.
func firstWord(line string) (string, bool) {
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		if end <= 0 {
			return "", false
		}
		return line[1 : 1+end], true
	}
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		line = line[:i]
	}
	if strings.Contains(line, `"`) {
		return "", false
	}
	return line, line != ""
}

func isBatch(name string) bool {
	ext := strings.ToLower(filepath.Ext(strings.ReplaceAll(name, `\`, "/")))
	return ext == ".bat" || ext == ".cmd"
}

// QuoteArg quotes s as one argument of a Windows command line, so that a
// program's argument parser (CommandLineToArgvW and the C runtime's) gets s
// back unchanged: always in double quotes; a quote inside becomes \", and
// backslashes are doubled where they precede a quote (or the closing one).
// Line breaks and non-ASCII text pass as they are. It is not for cmd.exe,
// which knows no backslash escapes.
func QuoteArg(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	slashes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			slashes++
		case '"':
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(c)
	}
	b.WriteString(strings.Repeat(`\`, slashes))
	b.WriteByte('"')
	return b.String()
}

func isWindowsAbs(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') ||
		strings.HasPrefix(p, `\\`)
}

func winJoin(dir, rest string) string {
	return strings.TrimRight(dir, `\/`) + `\` + rest
}

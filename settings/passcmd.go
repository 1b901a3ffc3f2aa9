package settings

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"idlebell/internal/proc"
)

// PasswordCommandTimeout bounds a password_command run.
const PasswordCommandTimeout = 10 * time.Second

// passcmdSlots limits how many password commands run at once.
var passcmdSlots = make(chan struct{}, 4)

// RunPasswordCommand runs a password_command and returns the first line of
// its standard output. A command with no shell syntax runs directly;
// otherwise it runs under /bin/sh -c, on Windows under cmd.exe with the line
// passed as typed (see internal/proc). It is killed, with every process it
// started, after 10 s or when ctx is done.
// Errors wrap ErrPasswordCommand and quote the command's stderr, never its
// stdout and never the command line (which may hold a secret), only the
// program's name.
func RunPasswordCommand(ctx context.Context, command string) (string, error) {
	return runPasswordCommand(ctx, command, PasswordCommandTimeout)
}

func runPasswordCommand(ctx context.Context, command string, timeout time.Duration) (string, error) {
	if strings.TrimSpace(command) == "" {
		return "", &PasswordCommandError{Reason: "the command is empty", Kind: PasswordCommandEmpty, Err: proc.ErrEmpty}
	}
	// Only the program's name goes into messages: the rest of the command
	// line may carry a secret.
	prog := programName(command)
	// Many accounts starting at once (or waking from sleep) would otherwise
	// start as many password managers at once; a few at a time is plenty.
	select {
	case passcmdSlots <- struct{}{}:
		defer func() { <-passcmdSlots }()
	case <-ctx.Done():
		return "", &PasswordCommandError{Reason: prog + ": " + ctx.Err().Error(), Program: prog, Err: ctx.Err()}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd, err := proc.Command(ctx, command, proc.Auto)
	if errors.Is(err, exec.ErrNotFound) {
		return "", notFound(prog)
	}
	if err != nil {
		return "", &PasswordCommandError{Reason: fmt.Sprintf("%s: %v", prog, err), Program: prog, Err: err}
	}
	stdout, stderr := proc.NewLimitedBuffer(64<<10), proc.NewLimitedBuffer(4<<10)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	err = cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		// The program exited fine; only our copying of its output lagged
		// (a loaded machine) or a grandchild kept the pipe. What was read
		// is all there is.
		err = nil
	}
	errLine := stderrSummary(stderr.String())
	errText := ""
	if errLine != "" {
		errText = ": " + errLine
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", &PasswordCommandError{Reason: fmt.Sprintf("%s did not finish within %s (if it asks for a passphrase, unlock gpg-agent or your password manager first)%s",
			prog, timeout, errText), Kind: PasswordCommandTimedOut, Program: prog, Timeout: timeout, Stderr: errLine}
	case ctx.Err() != nil:
		return "", &PasswordCommandError{Reason: prog + ": " + ctx.Err().Error(), Program: prog, Err: ctx.Err()}
	case errors.Is(err, exec.ErrNotFound):
		return "", notFound(prog)
	case err != nil:
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", &PasswordCommandError{Reason: fmt.Sprintf("%s exited with status %d%s", prog, exitErr.ExitCode(), errText),
				Kind: PasswordCommandExited, Program: prog, Status: exitErr.ExitCode(), Stderr: errLine}
		}
		return "", &PasswordCommandError{Reason: fmt.Sprintf("run %s: %v%s", prog, err, errText), Program: prog, Stderr: errLine, Err: err}
	}

	line, _, _ := strings.Cut(stdout.String(), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", &PasswordCommandError{Reason: fmt.Sprintf("%s printed nothing on its first line: it must print the password there%s", prog, errText),
			Kind: PasswordCommandNoOutput, Program: prog, Stderr: errLine}
	}
	return line, nil
}

// programName is the program at the start of command, for messages: up to
// the closing quote when it starts with one (`"C:\Program Files\…"`),
// else the first word.
func programName(command string) string {
	command = strings.TrimSpace(command)
	if q := command[0]; q == '"' || q == '\'' {
		if end := strings.IndexByte(command[1:], q); end > 0 {
			return command[1 : 1+end]
		}
	}
	return strings.Trim(strings.Fields(command)[0], `"'`)
}

// stderrSummary is the start of a program's stderr on one line, "" when
// it wrote nothing.
func stderrSummary(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return s
}

// notFound is the error of a program that is not there.
func notFound(prog string) *PasswordCommandError {
	return &PasswordCommandError{Reason: fmt.Sprintf("program %q not found: check password_command and PATH", prog),
		Kind: PasswordCommandNotFound, Program: prog, Err: exec.ErrNotFound}
}

package settings

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// PasswordCommandTimeout bounds a password_command run.
const PasswordCommandTimeout = 10 * time.Second

// passcmdSlots limits how many password commands run at once.
var passcmdSlots = make(chan struct{}, 4)

// shellChars are the characters that make a command need a shell: quoting,
// expansion, redirection, pipes, globs, assignments, comments.
const shellChars = "|&;<>()$`\\\"'*?[]{}~=#!\n\r"

// RunPasswordCommand runs a password_command and returns the first line of
// its standard output. A command with no shell syntax runs directly (split on
// white space); otherwise it runs under /bin/sh -c (cmd /C on Windows). It is
// killed, with its process group on Unix, after 10 s or when ctx is done.
// Errors wrap ErrPasswordCommand and quote the command's stderr, never its
// stdout and never the command line (which may hold a secret), only the
// program's name.
func RunPasswordCommand(ctx context.Context, command string) (string, error) {
	return runPasswordCommand(ctx, command, PasswordCommandTimeout)
}

func runPasswordCommand(ctx context.Context, command string, timeout time.Duration) (string, error) {
	args := commandArgs(command)
	if len(args) == 0 {
		return "", fmt.Errorf("%w: the command is empty", ErrPasswordCommand)
	}
	// Only the program's name goes into messages: the rest of the command
	// line may carry a secret.
	prog := strings.Trim(strings.Fields(command)[0], `"'`)
	// Many accounts starting at once (or waking from sleep) would otherwise
	// start as many password managers at once; a few at a time is plenty.
	select {
	case passcmdSlots <- struct{}{}:
		defer func() { <-passcmdSlots }()
	case <-ctx.Done():
		return "", fmt.Errorf("%w: %s: %w", ErrPasswordCommand, prog, ctx.Err())
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &limitedBuffer{buf: &stdout, max: 64 << 10}
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4 << 10}
	// A grandchild that keeps our pipes open must not keep us waiting.
	cmd.WaitDelay = time.Second
	killProcessGroup(cmd)

	err := cmd.Run()
	if errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success() {
		// The program exited fine; only our copying of its output lagged
		// (a loaded machine) or a grandchild kept the pipe. What was read
		// is all there is.
		err = nil
	}
	errText := stderrSummary(stderr.String())
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", fmt.Errorf("%w: %s did not finish within %s (if it asks for a passphrase, unlock gpg-agent or your password manager first)%s",
			ErrPasswordCommand, prog, timeout, errText)
	case ctx.Err() != nil:
		return "", fmt.Errorf("%w: %s: %w", ErrPasswordCommand, prog, ctx.Err())
	case errors.Is(err, exec.ErrNotFound):
		return "", fmt.Errorf("%w: program %q not found: check password_command and PATH", ErrPasswordCommand, prog)
	case err != nil:
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return "", fmt.Errorf("%w: %s exited with status %d%s", ErrPasswordCommand, prog, exitErr.ExitCode(), errText)
		}
		return "", fmt.Errorf("%w: run %s: %w%s", ErrPasswordCommand, prog, err, errText)
	}

	line, _, _ := strings.Cut(stdout.String(), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", fmt.Errorf("%w: %s printed nothing on its first line: it must print the password there%s", ErrPasswordCommand, prog, errText)
	}
	return line, nil
}

// commandArgs splits command into argv, through a shell when it has shell
// syntax.
func commandArgs(command string) []string {
	command = strings.TrimSpace(command)
	if command == "" {
		return nil
	}
	if strings.ContainsAny(command, shellChars) {
		if runtime.GOOS == "windows" {
			return []string{"cmd", "/C", command}
		}
		return []string{"/bin/sh", "-c", command}
	}
	return strings.Fields(command)
}

func stderrSummary(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return ": " + s
}

// limitedBuffer keeps the first max bytes and discards the rest, so a
// runaway command cannot fill memory.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

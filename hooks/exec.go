package hooks

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"idlebell/internal/proc"
)

// run executes one hook under its shell and waits for it, at most its
// timeout; on timeout or Close every process it started is killed.
func (r *Runner) run(j job) Result {
	res := Result{Account: j.account, Hook: j.hook, Env: j.env, ExitCode: -1}
	// The duration counts from where the timeout does, so that a hook
	// killed by it never reads as stopped before its time.
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.ctx, j.timeout)
	defer cancel()

	line, shell, env := invocation(runtime.GOOS, j)
	cmd, err := proc.Command(ctx, line, shell)
	if err != nil {
		res.Err = err
		return res
	}
	cmd.Env = env
	cmd.Stdin = nil // the null device
	out := proc.NewLimitedBuffer(maxOutput)
	cmd.Stdout, cmd.Stderr = out, out

	err = cmd.Run()
	res.Duration = time.Since(start)
	res.Output = strings.TrimSpace(out.String())
	if out.Truncated() {
		res.Output += " [...]"
	}
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) && r.ctx.Err() == nil:
		res.TimedOut = true
		res.Err = ctx.Err()
	case errors.Is(err, exec.ErrWaitDelay) && res.ExitCode == 0:
		// The hook succeeded; a background child still holds its output.
	default:
		res.Err = err
	}
	return res
}

// invocation is how job j runs on goos: its command line, the shell
// (sh; on Windows PowerShell unless the account's hook_shell is "cmd") and
// the environment. The mail's data is only in the environment, never in the
// line: the command is the account's hook exactly as configured.
func invocation(goos string, j job) (line string, shell proc.Shell, env []string) {
	return j.command, proc.HookShell(goos, j.hookShell), append(inheritedEnv(), j.env...)
}

// inheritedEnv is idlebell's environment without IDLEBELL_* variables (in
// any case: Windows' names are case-insensitive), so a hook sees exactly the
// documented ones, never a stale one from the parent (IDLEBELL_COUNT in an
// on_new_mail hook, say).
func inheritedEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(strings.ToUpper(kv), "IDLEBELL_") {
			env = append(env, kv)
		}
	}
	return env
}

package hooks

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// waitDelay bounds how long a finished hook's background children may keep
// its output pipe open (`notify-send ... &`) before we stop reading.
const waitDelay = time.Second

// run executes one hook under the shell and waits for it, at most its
// timeout; on timeout or Close its whole process group is killed.
func (r *Runner) run(j job) Result {
	res := Result{Account: j.account, Hook: j.hook, Env: j.env, ExitCode: -1}
	ctx, cancel := context.WithTimeout(r.ctx, j.timeout)
	defer cancel()

	cmd := shellCommand(ctx, j.command)
	cmd.Env = append(inheritedEnv(), j.env...)
	cmd.Stdin = nil // /dev/null
	out := &limitedBuffer{max: maxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = waitDelay
	killProcessGroup(cmd)

	start := time.Now()
	err := cmd.Run()
	res.Duration = time.Since(start)
	res.Output = strings.TrimSpace(out.String())
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

// inheritedEnv is idlebell's environment without IDLEBELL_* variables, so
// a hook sees exactly the documented ones, never a stale one from the
// parent (IDLEBELL_COUNT in an on_new_mail hook, say).
func inheritedEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "IDLEBELL_") {
			env = append(env, kv)
		}
	}
	return env
}

// limitedBuffer keeps the first max bytes written to it and discards the
// rest, so a chatty hook cannot fill memory. Stdout and stderr share it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
	cut bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	if l.buf.Len()+len(p) > l.max {
		l.cut = true
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		return l.buf.String() + " [...]"
	}
	return l.buf.String()
}

//go:build unix

package hooks

import (
	"context"
	"os/exec"
	"syscall"
)

// shellCommand runs command under sh -c, so hooks may use pipelines.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	return exec.CommandContext(ctx, "/bin/sh", "-c", command)
}

// killProcessGroup puts the hook in its own process group and makes
// cancellation kill the whole group: `sh -c 'a | b'` must not leave a or b
// behind after the timeout.
func killProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

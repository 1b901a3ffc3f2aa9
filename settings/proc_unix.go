//go:build unix

package settings

import (
	"os/exec"
	"syscall"
)

// killProcessGroup makes cancellation kill the command's whole process group:
// `pass` runs gpg, and a stuck gpg must not outlive the timeout.
func killProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

//go:build unix

package proc

import (
	"os/exec"
	"syscall"
)

func plan(line string, shell Shell) (Plan, error) { return PlanUnix(line, shell) }

// tree is the command's process group.
type tree struct{}

// prepare puts the command in its own process group; with kill, a done
// context kills the whole group: `sh -c 'a | b'` must not leave a or b
// behind, nor `pass` its gpg.
func (tree) prepare(cmd *exec.Cmd, _ Plan, kill bool) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if kill {
		cmd.Cancel = func() error {
			return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}
	return nil
}

func (tree) started(*exec.Cmd) error { return nil }

func (tree) release() {}

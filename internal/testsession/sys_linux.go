package testsession

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// The services run on Linux only; sys_other.go lets the package (and the
// tests that import it) build elsewhere.

// childAttr puts a service in its own process group, which dies with this
// process (SIGTERM on our death).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// credentialAttr runs a command as uid:gid.
func credentialAttr(uid, gid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
}

// killGroup kills process group pgid.
func killGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGKILL) }

func termGroup(pgid int) { _ = syscall.Kill(-pgid, syscall.SIGTERM) }

// processAlive reports whether pid exists and is not a zombie (the container's init may not
// reap daemons re-parented to it).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// Fields after the parenthesised command name: "S state ...".
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

var subreaperOnce sync.Once

// becomeSubreaper makes this process the parent of its orphaned descendants. Dovecot's log and
// stats processes outlive the master by a few milliseconds; re-parented to an init that does
// not reap (as in some containers), they would stay as zombies. As their subreaper,
// reapGroup collects them. Orphans of other children become this process's zombies until it
// exits, which costs nothing.
func becomeSubreaper() {
	subreaperOnce.Do(func() {
		const prSetChildSubreaper = 36
		_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	})
}

// reapGroup waits until no child of this process is left in process group pgid, reaping each
// as it exits. Call it only after the group leader has been waited for.
func reapGroup(ctx context.Context, pgid int) error {
	return pollUntil(ctx, func() error {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-pgid, &ws, syscall.WNOHANG, nil)
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case errors.Is(err, syscall.ECHILD):
				return nil // none left
			case err != nil:
				return err
			case pid == 0:
				return fmt.Errorf("processes of group %d still running", pgid)
			}
		}
	})
}

//go:build !linux

package testsession

import (
	"context"
	"syscall"
)

// The services run on Linux only. These stand-ins let the package, and the
// tests that import it, build on other systems, where FromEnv skips.

func childAttr() *syscall.SysProcAttr { return nil }

func credentialAttr(uid, gid int) *syscall.SysProcAttr { return nil }

func killGroup(pgid int) {}

func termGroup(pgid int) {}

func processAlive(pid int) bool { return false }

func becomeSubreaper() {}

func reapGroup(ctx context.Context, pgid int) error { return nil }

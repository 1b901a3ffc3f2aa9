//go:build !unix

package hooks

import (
	"context"
	"os/exec"
)

// shellCommand runs command under cmd /C where there is no sh.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	return exec.CommandContext(ctx, "cmd", "/C", command)
}

// killProcessGroup: without process groups, cancellation kills the shell only.
func killProcessGroup(cmd *exec.Cmd) {}

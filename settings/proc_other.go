//go:build !unix

package settings

import "os/exec"

func killProcessGroup(cmd *exec.Cmd) {}

//go:build !unix && !windows

package proc

import "os/exec"

func plan(line string, shell Shell) (Plan, error) { return PlanUnix(line, shell) }

// tree: without process groups, a done context kills the command only.
type tree struct{}

func (tree) prepare(*exec.Cmd, Plan, bool) error { return nil }

func (tree) started(*exec.Cmd) error { return nil }

func (tree) release() {}

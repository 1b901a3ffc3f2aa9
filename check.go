package main

import (
	"io"
)

// runCheck is `idlebell check`. (Stub: replaced by the headless issue.)
func runCheck(args []string, stdout, stderr io.Writer) int { return 1 }

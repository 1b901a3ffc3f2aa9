package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestVersionInCLocale runs idlebell --version under the C locales: Debian
// sets LANG=C.UTF-8 by default, and nothing but the version line may come
// out (Fyne's lang package reads the locale before main runs).
func TestVersionInCLocale(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"C.UTF-8", "C", "POSIX", "de_DE.UTF-8"} {
		cmd := exec.Command(exe, "--version")
		cmd.Env = append(os.Environ(), "IDLEBELL_E2E_CHILD=1", "LANG="+loc, "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("LANG=%s idlebell --version: %v\n%s", loc, err, out)
		}
		if lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "idlebell ") {
			t.Errorf("LANG=%s idlebell --version printed %d lines, want one:\n%s", loc, len(lines), out)
		}
	}
}

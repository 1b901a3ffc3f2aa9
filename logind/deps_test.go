package logind

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNoBusOutsideLinux: on Windows and macOS the package does not even
// link a D-Bus client, so the start cannot dial a system bus there.
func TestNoBusOutsideLinux(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go tool not in PATH")
	}
	for _, goos := range []string{"windows", "darwin", "linux"} {
		cmd := exec.Command(goTool, "list", "-deps", "idlebell/logind")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOOS=%s go list -deps: %v\n%s", goos, err, out)
		}
		hasBus := strings.Contains(string(out), "github.com/godbus/dbus")
		if hasBus != (goos == "linux") {
			t.Errorf("GOOS=%s: logind links godbus = %v, want %v", goos, hasBus, goos == "linux")
		}
	}
}

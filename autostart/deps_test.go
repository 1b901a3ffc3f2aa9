package autostart

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps autostart and appinfo free of the UI toolkit, on
// every OS: the tray process and the headless build use them too.
func TestDependencies(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		cmd := exec.Command("go", "list", "-deps", "idlebell/autostart", "idlebell/appinfo")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOOS=%s go list -deps: %v\n%s", goos, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, banned := range []string{"fyne.io/", "github.com/gen2brain/beeep", "idlebell/ui", "idlebell/imapwatch", "idlebell/settings"} {
				if strings.HasPrefix(dep, banned) {
					t.Errorf("GOOS=%s: autostart or appinfo depends on %s", goos, dep)
				}
			}
		}
	}
}

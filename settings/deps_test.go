package settings

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the layering: settings never imports the UI
// toolkit, the notifier or the IMAP watcher.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "idlebell/settings").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"fyne.io/", "github.com/gen2brain/beeep", "idlebell/imapwatch", "idlebell/ui", "github.com/esiqveland/notify"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("settings depends on %s", dep)
			}
		}
	}
}

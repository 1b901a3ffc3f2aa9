package discover

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps discovery usable from the command line and the
// settings window alike: no UI toolkit, no watcher.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "idlebell/discover").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps idlebell/discover: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"fyne.io/", "idlebell/imapwatch", "idlebell/ui"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("discover depends on %s", dep)
			}
		}
	}
}

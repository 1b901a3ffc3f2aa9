package i18n

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps i18n usable by every front: the command line and
// the tray process link no Fyne package through it.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "idlebell/i18n").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps idlebell/i18n: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "fyne.io/") || strings.HasPrefix(dep, "idlebell/") && dep != "idlebell/i18n" {
			t.Errorf("i18n depends on %s", dep)
		}
	}
}

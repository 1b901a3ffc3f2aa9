package tray

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoGUIToolkit keeps the tray process light: the tray, the delivery
// path both fronts share and the mail opener never import Fyne (whose
// driver runs a render loop and a GL context) or the settings window's
// package; only fyne.io/systray, which is plain D-Bus on Linux.
func TestNoGUIToolkit(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go tool not in PATH")
	}
	banned := []string{"fyne.io/fyne/", "idlebell/ui", "github.com/go-gl/"}
	for _, pkg := range []string{"idlebell/tray", "idlebell/delivery", "idlebell/openmail", "idlebell/headless"} {
		out, err := exec.Command(goTool, "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range banned {
				if strings.HasPrefix(dep, b) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}

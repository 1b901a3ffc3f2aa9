package cli

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the command line and what it speaks through free of
// the UI: the subcommands, the error vocabulary, the settings→watcher bridge
// and the sanitiser never import the UI toolkit, the notifier or the ui
// package, so `idlebell check` and friends run without a display and build
// with -tags nogui.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go tool not in PATH")
	}
	banned := []string{"fyne.io/", "github.com/gen2brain/beeep", "github.com/esiqveland/notify", "idlebell/ui"}
	for _, pkg := range []string{"idlebell/cli", "idlebell/explain", "idlebell/bridge", "idlebell/safetext"} {
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

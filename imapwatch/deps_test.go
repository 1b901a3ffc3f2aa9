package imapwatch

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the layering of STYLE.md: the watcher imports
// go-imap and the standard library, never the UI toolkit, the notifier,
// D-Bus or the settings package (not even indirectly). And the UI never
// imports go-imap itself: it sees only this package's plain event types.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go tool not in PATH")
	}
	tests := []struct {
		pkg, format string // format: all dependencies, or direct imports
		banned      []string
	}{
		{"idlebell/imapwatch", "{{join .Deps \"\\n\"}}", []string{"fyne.io/", "github.com/gen2brain/beeep", "github.com/esiqveland/notify", "github.com/godbus/", "idlebell/settings", "idlebell/ui"}},
		{"idlebell/ui", "{{join .Imports \"\\n\"}}", []string{"github.com/emersion/go-imap"}},
	}
	for _, tt := range tests {
		pkg, bad := tt.pkg, tt.banned
		out, err := exec.Command(goTool, "list", "-f", tt.format, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range bad {
				if strings.HasPrefix(dep, b) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}

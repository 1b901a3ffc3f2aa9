package oauth

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps oauth independent: no watcher, no settings, no UI.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "idlebell/oauth").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps idlebell/oauth: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"idlebell/imapwatch", "idlebell/settings", "idlebell/ui", "fyne.io/", "github.com/emersion/go-imap"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("oauth depends on %s", dep)
			}
		}
	}
}

package main

import (
	"regexp"
	"testing"
)

// TestAppInfoVersion: --version, the About window and the .deb carry the
// version the Makefile sets; a plain go build says it is a development one.
func TestAppInfoVersion(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = ""
	base := appInfo()
	if base.ID != "io.github.idlebell" || base.Name != "idlebell" {
		t.Errorf("appInfo() = %+v, want FyneApp.toml's ID and name", base)
	}
	if v := base.Version; !regexp.MustCompile(`^\d+\.\d+\.\d+-dev$`).MatchString(v) {
		t.Errorf("appInfo().Version without -X main.version = %q, want FyneApp.toml's x.y.z-dev", v)
	}
	version = "0.1.0+3.gabc1234"
	if got := appInfo().Version; got != version {
		t.Errorf("appInfo().Version with -X main.version=%s = %q", version, got)
	}
}

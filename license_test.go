//go:build !nogui

package main

import (
	"idlebell/appinfo"
	"os"
	"strings"
	"testing"
)

// TestLicenseAgrees: the About window's licence is the one the AppStream
// metadata and the Debian copyright file state.
func TestLicenseAgrees(t *testing.T) {
	meta, err := os.ReadFile("packaging/io.github.idlebell.metainfo.xml")
	if err != nil {
		t.Fatal(err)
	}
	copyright, err := os.ReadFile("packaging/copyright")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(meta), "<project_license>"+appinfo.License+"</project_license>") {
		t.Errorf("metainfo's project_license is not the About window's %q", appinfo.License)
	}
	if !strings.Contains(string(copyright), "\nLicense: "+appinfo.License+"\n") {
		t.Errorf("packaging/copyright does not state the About window's licence %q", appinfo.License)
	}
}

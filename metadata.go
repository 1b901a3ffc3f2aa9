package main

import (
	_ "embed"

	"idlebell/appinfo"
)

// fyneAppTOML is FyneApp.toml, the metadata `fyne package` reads too: the
// app ID, name and version are written down there only.
//
//go:embed FyneApp.toml
var fyneAppTOML []byte

// appInfo is idlebell's metadata with this build's version: the one the
// Makefile derives from `git describe` (-X main.version), or FyneApp.toml's
// with "-dev" for a plain `go build`.
func appInfo() appinfo.Info {
	info, err := appinfo.Parse(fyneAppTOML)
	if err != nil {
		// The embedded file is fixed at build time and parsed by the tests.
		panic(err)
	}
	if version != "" {
		info.Version = version
	} else {
		info.Version += "-dev"
	}
	return info
}

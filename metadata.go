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

// appInfo is idlebell's metadata with this build's version.
func appInfo() appinfo.Info { return appinfo.ForBuild(fyneAppTOML, version) }

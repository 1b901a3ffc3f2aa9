// Package appinfo is idlebell's identity as FyneApp.toml states it: the
// reverse-DNS app ID, the name, the version and the desktop entry's texts.
// The same file drives `fyne package`; the program embeds it (main) and
// reads it with Parse, so the ID and name are written down once.
package appinfo

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Info is what idlebell takes from FyneApp.toml.
type Info struct {
	// ID is the reverse-DNS app ID ("io.github.idlebell"): Fyne's app ID,
	// the name of the .desktop, AppStream and LaunchAgent files.
	ID string
	// Name is the program's name ("idlebell").
	Name string
	// Version is the release the source is at, x.y.z. A build from git
	// replaces it with what `git describe` says (main's ldflags).
	Version string
	// Build is the build number `fyne package` puts in the Windows version
	// resource (x.y.z.Build); at least 1.
	Build int
	// Icon is the icon file for `fyne package`, relative to FyneApp.toml.
	Icon string
	// GenericName, Comment, Categories and Keywords are the desktop
	// entry's (freedesktop.org Desktop Entry Specification) fields.
	GenericName string
	Comment     string
	Categories  []string
	Keywords    []string
	// Migrations are Fyne's opt-ins, such as "fyneDo".
	Migrations map[string]bool
}

// fyneApp is FyneApp.toml's layout, as fyne.io/tools reads it.
type fyneApp struct {
	Details struct {
		Icon, Name, ID, Version string
		Build                   int
	}
	LinuxAndBSD struct {
		GenericName, Comment string
		Categories, Keywords []string
	}
	Migrations map[string]bool
}

var (
	idPattern      = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_-]*){2,}$`)
	versionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
)

// Parse reads the text of a FyneApp.toml. It fails on TOML errors, unknown
// keys in the sections idlebell reads, and on an ID, name or version that
// the packaging could not use; the error names the key.
func Parse(b []byte) (Info, error) {
	var f fyneApp
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&f)
	if err != nil {
		return Info{}, fmt.Errorf("FyneApp.toml: %w", err)
	}
	for _, k := range md.Undecoded() {
		if s := k.String(); strings.HasPrefix(s, "Details.") || strings.HasPrefix(s, "LinuxAndBSD.") {
			return Info{}, fmt.Errorf("FyneApp.toml: unknown key %s", s)
		}
	}
	d := f.Details
	var errs []error
	if !idPattern.MatchString(d.ID) {
		errs = append(errs, fmt.Errorf("Details.ID %q: want a lowercase reverse-DNS name such as io.github.idlebell", d.ID))
	}
	if d.Name == "" || strings.ContainsAny(d.Name, "/\\ \t\n") {
		errs = append(errs, fmt.Errorf("Details.Name %q: want a file name without spaces", d.Name))
	}
	if !versionPattern.MatchString(d.Version) {
		errs = append(errs, fmt.Errorf("Details.Version %q: want x.y.z", d.Version))
	}
	if d.Build < 1 {
		errs = append(errs, fmt.Errorf("Details.Build %d: want 1 or more", d.Build))
	}
	if err := errors.Join(errs...); err != nil {
		return Info{}, fmt.Errorf("FyneApp.toml: %w", err)
	}
	l := f.LinuxAndBSD
	return Info{
		ID: d.ID, Name: d.Name, Version: d.Version, Build: d.Build, Icon: d.Icon,
		GenericName: l.GenericName, Comment: l.Comment, Categories: l.Categories, Keywords: l.Keywords,
		Migrations: f.Migrations,
	}, nil
}

// The licence and the project's page, for the About window.
const (
	License    = "MIT"
	ProjectURL = "https://github.com/idlebell/idlebell"
)

// ForBuild is the metadata of this build: Parse of the embedded
// FyneApp.toml with the version the build was stamped with (the Makefile
// derives it from git describe), or FyneApp.toml's with "-dev" for a plain
// go build. The embedded file is fixed at build time and parsed by the
// tests, so an error panics.
func ForBuild(fyneAppTOML []byte, stamped string) Info {
	info, err := Parse(fyneAppTOML)
	if err != nil {
		panic(err)
	}
	if stamped != "" {
		info.Version = stamped
	} else {
		info.Version += "-dev"
	}
	return info
}

//go:build !windows && !darwin

package autostart

import "os"

// The XDG autostart entry: Linux, the BSDs and other freedesktop.org systems.

func (e Entry) path() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return XDGPath(dir, e.App.ID), nil
}

func (e Entry) enabled() (bool, error) {
	p, err := e.path()
	if err != nil {
		return false, err
	}
	return fileEnabled(p, desktopEntryActive)
}

func (e Entry) write() error {
	p, err := e.path()
	if err != nil {
		return err
	}
	b, err := DesktopEntry(e.App, e.Program)
	if err != nil {
		return err
	}
	return writeFile(p, b)
}

func (e Entry) remove() error {
	p, err := e.path()
	if err != nil {
		return err
	}
	return removeFile(p)
}

package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// errNoAutostart: Start at login is only implemented for XDG desktops.
var errNoAutostart = errors.New("start at login is not implemented on this system yet")

// autostartFile is the XDG autostart entry:
// $XDG_CONFIG_HOME/autostart/io.github.idlebell.desktop.
func autostartFile() (string, error) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return "", errNoAutostart
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "autostart", AppID+".desktop"), nil
}

// autostartEnabled reports whether the entry exists (and is not Hidden).
func autostartEnabled() bool {
	path, err := autostartFile()
	if err != nil {
		return false
	}
	b, err := os.ReadFile(path)
	return err == nil && !strings.Contains(string(b), "\nHidden=true")
}

// setAutostart writes or removes the entry. It runs this executable with no
// arguments: the tray app with the default config.
func setAutostart(on bool) error {
	path, err := autostartFile()
	if err != nil {
		return err
	}
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", path, err)
		}
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find idlebell's own path: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(desktopEntry(exe)), 0o644)
}

// desktopEntry is the autostart file's text; Exec quotes the path as the
// Desktop Entry spec asks.
func desktopEntry(exe string) string {
	quoted := `"` + strings.NewReplacer(`\`, `\\\\`, `"`, `\"`, "`", "\\`", "$", `\$`).Replace(exe) + `"`
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=idlebell\n" +
		"Comment=New-mail notifications over IMAP IDLE\n" +
		"Exec=" + quoted + "\n" +
		"Icon=mail-unread\n" +
		"Terminal=false\n" +
		"Categories=Network;Email;\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

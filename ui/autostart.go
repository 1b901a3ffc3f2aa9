package ui

import (
	"idlebell/autostart"
	"idlebell/i18n"
)

// autostartEnabled reports whether the login item is there; one that
// cannot be read counts as off.
func autostartEnabled(e autostart.Entry) bool {
	on, err := e.Enabled()
	return err == nil && on
}

// autostartNote says why the Start at login box is disabled, or "".
func autostartNote(e autostart.Entry) string {
	if e.Program == "" {
		return i18n.T("Install idlebell first (make install) to start it at login.")
	}
	return ""
}

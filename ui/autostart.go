package ui

import (
	"runtime"

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
		return installHint(runtime.GOOS)
	}
	return ""
}

// installHint says, for the system goos, where idlebell must live for a
// login item to start it: the item starts it by its full path, which a
// build folder does not keep (make clean, a moved checkout). make install
// is Linux's (and the BSDs'); Windows and macOS get a folder.
func installHint(goos string) string {
	switch goos {
	case "windows":
		return i18n.T(`To start idlebell at login, move idlebell.exe out of its build folder to a folder where it stays (such as %LocalAppData%\Programs\idlebell) and start it from there.`)
	case "darwin":
		return i18n.T("To start idlebell at login, copy idlebell out of its build folder to a folder where it stays (such as /usr/local/bin) and start it from there.")
	}
	return i18n.T("Install idlebell first (make install) to start it at login.")
}

package autostart

import (
	"fmt"
	"strings"
)

// RunKey is the registry key, under HKEY_CURRENT_USER, whose values Windows
// starts at the user's logon. idlebell's value is named after the app.
const RunKey = `Software\Microsoft\Windows\CurrentVersion\Run`

// RunValue is the Run value's data (REG_SZ) that starts exe, an absolute
// path: the path in double quotes, so Windows does not split it at a space
// ("C:\Program Files\idlebell\idlebell.exe"). Windows paths cannot hold a
// double quote; one is refused, as is a control character.
func RunValue(exe string) (string, error) {
	if strings.ContainsFunc(exe, func(r rune) bool { return r < 0x20 || r == '"' }) {
		return "", fmt.Errorf("%q is not a Windows path", exe)
	}
	return `"` + exe + `"`, nil
}

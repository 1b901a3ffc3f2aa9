package autostart

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"idlebell/appinfo"
)

// XDGPath is the autostart entry's path under the user's config folder
// ($XDG_CONFIG_HOME, else ~/.config): CONFIG/autostart/ID.desktop.
func XDGPath(configDir, id string) string {
	return filepath.Join(configDir, "autostart", id+".desktop")
}

// DesktopEntry is the XDG autostart file that starts exe, an absolute
// path, with no arguments (the tray app with the default config). Exec is
// quoted and escaped as the Desktop Entry Specification asks, so any path
// survives; a path with a control character is refused.
func DesktopEntry(app appinfo.Info, exe string) ([]byte, error) {
	if strings.ContainsFunc(exe, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, fmt.Errorf("the path %q has a control character", exe)
	}
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			b.WriteString(k + "=" + escapeValue(v) + "\n")
		}
	}
	b.WriteString("[Desktop Entry]\n")
	line("Type", "Application")
	line("Name", app.Name)
	line("GenericName", app.GenericName)
	line("Comment", app.Comment)
	line("Exec", quoteExecArg(exe))
	line("Icon", app.ID)
	line("Terminal", "false")
	line("StartupNotify", "false")
	line("X-GNOME-Autostart-enabled", "true")
	return []byte(b.String()), nil
}

// quoteExecArg quotes one argument of an Exec key: inside double quotes a
// backslash, double quote, backtick and dollar sign take a backslash, and
// a percent sign is doubled (it starts field codes everywhere).
func quoteExecArg(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`, `%`, `%%`)
	return `"` + r.Replace(s) + `"`
}

// escapeValue applies the string escapes of a desktop entry value; the
// spec applies them before Exec's quoting rules, so a literal backslash in
// a quoted Exec argument ends up as four.
func escapeValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
}

// desktopEntryActive reports whether an autostart file is on: desktops skip
// entries with Hidden=true, and GNOME also X-GNOME-Autostart-enabled=false.
func desktopEntryActive(b []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	group := ""
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "[") {
			group = l
			continue
		}
		if group != "[Desktop Entry]" {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if (k == "Hidden" && v == "true") || (k == "X-GNOME-Autostart-enabled" && v == "false") {
			return false
		}
	}
	return true
}

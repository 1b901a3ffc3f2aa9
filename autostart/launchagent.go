package autostart

import (
	"bytes"
	"encoding/xml"
	"path/filepath"
)

// LaunchAgentPath is the macOS LaunchAgent's path under the user's home:
// HOME/Library/LaunchAgents/ID.plist, which launchd reads at login.
func LaunchAgentPath(home, id string) string {
	return filepath.Join(home, "Library", "LaunchAgents", id+".plist")
}

// LaunchAgent is the property list (launchd.plist(5)) that starts exe, an
// absolute path, once when the user logs in to the graphical session. It
// is not kept alive: Quit in the tray stays quit until the next login.
func LaunchAgent(id, exe string) []byte {
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + esc(id) + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + esc(exe) + `</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`)
}

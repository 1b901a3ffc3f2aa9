package autostart

import (
	"bytes"
	"os"
)

// The macOS LaunchAgent. launchd reads it at the next login; idlebell does
// not load it now (it runs already).

func (e Entry) path() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return LaunchAgentPath(home, e.App.ID), nil
}

func (e Entry) enabled() (bool, error) {
	p, err := e.path()
	if err != nil {
		return false, err
	}
	// An agent with <key>Disabled</key><true/> is not started.
	return fileEnabled(p, func(b []byte) bool {
		return !bytes.Contains(bytes.Join(bytes.Fields(b), nil), []byte("<key>Disabled</key><true/>"))
	})
}

func (e Entry) write() error {
	p, err := e.path()
	if err != nil {
		return err
	}
	return writeFile(p, LaunchAgent(e.App.ID, e.Program))
}

func (e Entry) remove() error {
	p, err := e.path()
	if err != nil {
		return err
	}
	return removeFile(p)
}

//go:build !windows

package openmail

import "errors"

// windowsMailClient: there is no Windows registry here.
func windowsMailClient() (name, command string, err error) {
	return "", "", errors.New("no default mail client is registered")
}

//go:build windows

package openmail

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

// windowsMailClient is the default mail client (Clients\Mail's default
// value, the user's before the machine's) and its shell\open\command.
func windowsMailClient() (name, command string, err error) {
	for _, root := range []registry.Key{registry.CURRENT_USER, registry.LOCAL_MACHINE} {
		k, err := registry.OpenKey(root, `Software\Clients\Mail`, registry.QUERY_VALUE)
		if err != nil {
			continue
		}
		name, _, err = k.GetStringValue("")
		k.Close()
		if err != nil || name == "" {
			continue
		}
		for _, croot := range []registry.Key{root, registry.LOCAL_MACHINE} {
			c, err := registry.OpenKey(croot, `Software\Clients\Mail\`+name+`\shell\open\command`, registry.QUERY_VALUE)
			if err != nil {
				continue
			}
			command, _, err = c.GetStringValue("")
			c.Close()
			if err == nil && command != "" {
				return name, command, nil
			}
		}
	}
	return "", "", errors.New("no default mail client is registered")
}

package main

import (
	"io"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// watchConfigs turns the enabled accounts of a config into watcher configs.
// This is the one place where settings meets imapwatch (they never import
// each other).
func watchConfigs(c *settings.Config, secrets settings.Secrets, trace io.Writer) []imapwatch.Config {
	if c == nil {
		return nil
	}
	var out []imapwatch.Config
	for _, a := range c.Accounts {
		if a.Enabled {
			out = append(out, watchConfig(a, secrets, trace))
		}
	}
	return out
}

// watchConfig converts one account; its password is looked up at each login
// (keyring or password_command), never stored here.
func watchConfig(a settings.Account, secrets settings.Secrets, trace io.Writer) imapwatch.Config {
	a = a.WithDefaults()
	return imapwatch.Config{
		Name:           a.Name,
		Host:           a.Host,
		Port:           a.Port,
		Security:       imapwatch.Security(a.Security),
		AllowPlaintext: a.AllowPlaintext,
		Username:       a.Username,
		Password:       settings.PasswordFor(a, secrets),
		Mailboxes:      a.Mailboxes,
		MaxConnections: a.MaxConnections,
		CAFile:         a.TLSCAFile,
		Fingerprint:    a.TLSFingerprint,
		PollInterval:   a.PollInterval.Duration,
		Trace:          trace,
	}
}

// Package settings owns idlebell's files and secrets: the TOML config file
// (load, validate, atomic save, live reload), the per-mailbox state file
// (watermarks for the watcher's exactly-once rule) and the account passwords
// (OS keyring or password_command).
//
// It imports only the standard library, BurntSushi/toml, go-keyring (and its
// godbus, for error classification) and fsnotify: never Fyne, beeep or
// imapwatch. The composition root turns a settings.Account and its secret
// into an imapwatch config.
//
// Secrets never reach the config file, the state file, a log record or an
// error message: errors name accounts, commands' program names and stderr,
// never a password or a command's stdout.
package settings

// Package packaging holds idlebell's desktop integration: the menu entry
// (io.github.idlebell.desktop), the AppStream metadata, the systemd user
// unit, the Debian changelog and copyright, and nfpm's .deb description.
// make install and make deb put them in place (packaging/test.sh checks
// what they produce); this package's tests keep them in step with
// FyneApp.toml. It has no code.
package packaging

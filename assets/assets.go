// Package assets holds idlebell's embedded images.
package assets

import _ "embed"

// Bell is the 64×64 tray icon base (PNG); the ui draws counts and state
// badges onto it at runtime. Regenerate with `go run gen_bell.go`.
//
//go:embed bell.png
var Bell []byte

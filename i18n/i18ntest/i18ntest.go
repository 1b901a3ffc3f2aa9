// Package i18ntest switches idlebell's language in tests.
package i18ntest

import (
	"testing"

	"idlebell/i18n"
)

// Use shows idlebell's texts (and Fyne's) in the language of locale, such
// as "de_DE.UTF-8" or "C.UTF-8", until tb ends; then the language of the
// environment before comes back. It sets LC_ALL and clears LANGUAGE, so it
// cannot be used in parallel tests, and no goroutine may translate while it
// switches.
func Use(tb testing.TB, locale string) {
	tb.Helper()
	tb.Cleanup(i18n.Reload) // registered first, so it runs after Setenv's restores
	tb.Setenv("LANGUAGE", "")
	tb.Setenv("LC_ALL", locale)
	i18n.Reload()
}

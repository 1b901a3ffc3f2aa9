package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// readableTheme is Fyne's theme with the colours of secondary text raised
// to WCAG AA contrast (4.5:1) on the window and input backgrounds, in the
// dark and the light variant: hints (low-importance labels and disabled
// values), placeholders and error messages. Fyne's own are as low as
// 1.55:1 (dark grey on near black).
type readableTheme struct{ fyne.Theme }

func newReadableTheme() fyne.Theme { return readableTheme{theme.DefaultTheme()} }

var (
	darkSecondary  = color.NRGBA{R: 0x9a, G: 0x9a, B: 0x9e, A: 0xff}
	lightSecondary = color.NRGBA{R: 0x63, G: 0x63, B: 0x66, A: 0xff}
	lightError     = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	darkError      = color.NRGBA{R: 0xff, G: 0x66, B: 0x59, A: 0xff}
)

func (t readableTheme) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch name {
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		if v == theme.VariantLight {
			return lightSecondary
		}
		return darkSecondary
	case theme.ColorNameError:
		if v == theme.VariantLight {
			return lightError
		}
		return darkError
	}
	return t.Theme.Color(name, v)
}

package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// luminance is WCAG 2's relative luminance.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestReadableTheme: hints, placeholders, disabled values and error
// messages reach WCAG AA (4.5:1) on the window's and the inputs'
// backgrounds, in the dark and the light variant. Fyne's own hint colour
// has 1.55:1 on dark.
func TestReadableTheme(t *testing.T) {
	th := newReadableTheme()
	for _, v := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		for _, bg := range []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameOverlayBackground} {
			for _, fg := range []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameDisabled, theme.ColorNamePlaceHolder, theme.ColorNameError} {
				if c := contrast(th.Color(fg, v), th.Color(bg, v)); c < 4.5 {
					t.Errorf("variant %d: %s on %s has contrast %.2f:1, want at least 4.5:1", v, fg, bg, c)
				}
			}
		}
	}
	if c := contrast(theme.DefaultTheme().Color(theme.ColorNameDisabled, theme.VariantDark), theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)); c > 2 {
		t.Errorf("Fyne's dark hint colour has %.2f:1 now: is this theme still needed?", c)
	}
}

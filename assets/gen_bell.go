//go:build ignore

// gen_bell draws bell.png, the tray icon's base: go run gen_bell.go.
// A light bell with a dark outline reads on light and dark panels alike; the
// shapes are thick enough to survive scaling down to 16 px.
package main

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const size, ss = 64, 4 // pixels, supersampling per axis

// inBell reports whether (x, y) lies inside the bell grown by d.
func inBell(x, y, d float64) bool {
	circle := func(cx, cy, r float64) bool { return math.Hypot(x-cx, y-cy) <= r+d }
	if circle(32, 24, 14) || circle(32, 9, 4.5) || circle(32, 53, 5.5) {
		return true
	}
	if y >= 24-d && y <= 47+d {
		t := (y - 24) / 23
		hw := 14 + 8*t*t
		if math.Abs(x-32) <= hw+d {
			return true
		}
	}
	// Rim: a rounded bar.
	if y >= 44-d && y <= 50+d && math.Abs(x-32) <= 25+d {
		return true
	}
	return false
}

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	outline := color.NRGBA{0x26, 0x32, 0x38, 0xff}
	fill := color.NRGBA{0xf5, 0xf5, 0xf5, 0xff}
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var nOut, nIn int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := float64(px) + (float64(sx)+0.5)/ss
					y := float64(py) + (float64(sy)+0.5)/ss
					if inBell(x, y, 0) {
						nIn++
					} else if inBell(x, y, 3) {
						nOut++
					}
				}
			}
			total := nIn + nOut
			if total == 0 {
				continue
			}
			a := float64(total) / (ss * ss)
			f := float64(nIn) / float64(total)
			mix := func(c1, c2 uint8) uint8 { return uint8(float64(c1)*f + float64(c2)*(1-f) + 0.5) }
			img.SetNRGBA(px, py, color.NRGBA{mix(fill.R, outline.R), mix(fill.G, outline.G), mix(fill.B, outline.B), uint8(a*255 + 0.5)})
		}
	}
	f, err := os.Create("bell.png")
	if err != nil {
		panic(err)
	}
	if err := png.Encode(f, img); err != nil {
		panic(err)
	}
	f.Close()
}

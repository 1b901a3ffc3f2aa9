//go:build ignore

// gen_bell draws idlebell's bell, the tray icon's base and the app icon.
// A light bell with a dark outline reads on light and dark panels alike; the
// shapes are thick enough to survive scaling down to 16 px.
//
//	go run gen_bell.go                      bell.png, 64×64, embedded for the tray
//	go run gen_bell.go -hicolor DIR -name ID
//	    the app icon for the freedesktop.org icon theme: DIR/NxN/apps/ID.png
//	    for N in 16, 22, 24, 32, 48, 64, 128, 256, and DIR/scalable/apps/ID.svg
//
// The build (make install, make deb, make cross) runs the second form; only
// bell.png and this file are committed.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// The drawing is on a 64×64 grid; other sizes scale it.
const (
	grid   = 64
	ss     = 4 // supersampling per axis
	border = 3 // outline width, grid units
)

var (
	outline = color.NRGBA{0x26, 0x32, 0x38, 0xff}
	fill    = color.NRGBA{0xf5, 0xf5, 0xf5, 0xff}
)

// inBell reports whether (x, y), in grid units, lies inside the bell grown by d.
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

// render draws the bell at size×size pixels.
func render(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	scale := float64(grid) / float64(size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var nOut, nIn int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) * scale
					y := (float64(py) + (float64(sy)+0.5)/ss) * scale
					if inBell(x, y, 0) {
						nIn++
					} else if inBell(x, y, border) {
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
	return img
}

// svg is the same bell as a vector: each shape of inBell, first stroked in
// the outline colour (the stroke's outer half is the border), then filled.
// The body's sides, 14 + 8t² from the axis, are quadratic Béziers exactly.
func svg() string {
	const shapes = `<circle cx="32" cy="24" r="14"/><circle cx="32" cy="9" r="4.5"/><circle cx="32" cy="53" r="5.5"/>` +
		`<path d="M18 24Q18 35.5 10 47H54Q46 35.5 46 24Z"/><rect x="7" y="44" width="50" height="6"/>`
	hex := func(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` + "\n" +
		fmt.Sprintf(`<g fill="%s" stroke="%s" stroke-width="%d" stroke-linejoin="round">%s</g>`, hex(outline), hex(outline), 2*border, shapes) + "\n" +
		fmt.Sprintf(`<g fill="%s">%s</g>`, hex(fill), shapes) + "\n" +
		"</svg>\n"
}

func writePNG(path string, size int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, render(size)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func main() {
	hicolor := flag.String("hicolor", "", "write the app icon into this icon theme directory instead of bell.png")
	name := flag.String("name", "", "with -hicolor: the icon's name, the app ID")
	flag.Parse()
	if err := run(*hicolor, *name); err != nil {
		fmt.Fprintln(os.Stderr, "gen_bell:", err)
		os.Exit(1)
	}
}

func run(hicolor, name string) error {
	if hicolor == "" {
		return writePNG("bell.png", grid)
	}
	if name == "" {
		return fmt.Errorf("-hicolor needs -name")
	}
	for _, n := range []int{16, 22, 24, 32, 48, 64, 128, 256} {
		if err := writePNG(filepath.Join(hicolor, fmt.Sprintf("%dx%d", n, n), "apps", name+".png"), n); err != nil {
			return err
		}
	}
	path := filepath.Join(hicolor, "scalable", "apps", name+".svg")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(svg()), 0o644)
}

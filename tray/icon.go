package tray

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strconv"
	"sync"

	"idlebell/assets"
)

// glyphs is a 5×7 pixel font for the badge: digits, "+" and "!". Drawn at
// an integer scale it stays sharp; no font file or rasteriser needed.
var glyphs = map[rune][7]string{
	'0': {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."},
	'1': {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'2': {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"},
	'3': {"####.", "....#", "....#", ".###.", "....#", "....#", "####."},
	'4': {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."},
	'5': {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."},
	'6': {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."},
	'7': {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."},
	'8': {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."},
	'9': {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."},
	'+': {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."},
	'!': {"..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#.."},
}

var (
	badgeRed   = color.NRGBA{0xd3, 0x2f, 0x2f, 0xff}
	badgeAmber = color.NRGBA{0xff, 0xa0, 0x00, 0xff}
	badgeGrey  = color.NRGBA{0x54, 0x6e, 0x7a, 0xff}
	white      = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	ink        = color.NRGBA{0x26, 0x32, 0x38, 0xff}
)

// badgeText is the count as the icon shows it: 1–99, then "99+".
func badgeText(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}

var (
	iconMu    sync.Mutex
	iconCache = map[string][]byte{}
)

// trayIcon renders the icon for a state as PNG bytes, 64×64, from the
// embedded bell. Results are cached: the tray asks on every state change.
func trayIcon(st IconState) []byte {
	key := st.String()
	iconMu.Lock()
	defer iconMu.Unlock()
	if b, ok := iconCache[key]; ok {
		return b
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, renderIcon(st)); err != nil {
		panic(fmt.Sprintf("encode tray icon: %v", err)) // an in-memory RGBA always encodes
	}
	iconCache[key] = buf.Bytes()
	return buf.Bytes()
}

func bellImage() *image.NRGBA {
	src, err := png.Decode(bytes.NewReader(assets.Bell))
	if err != nil {
		panic(fmt.Sprintf("embedded bell.png: %v", err))
	}
	img := image.NewNRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, image.Point{}, draw.Src)
	return img
}

// renderIcon draws the bell and the state's marks: the unread count on a
// red badge at the top right; attention as an amber disc with "!" at the
// bottom left, big enough to read at 16 px; paused as a dimmed bell with a
// grey pause badge at the bottom left. Attention wins over paused (see
// IconState): with both, the bell is the attention icon, not dimmed. The
// count stays in every state.
func renderIcon(st IconState) *image.NRGBA {
	img := bellImage()
	if st.Paused && !st.Attention {
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = uint8(int(img.Pix[i]) * 11 / 20)
		}
	}
	if st.Unread > 0 {
		text := badgeText(st.Unread)
		scale := 3
		if len(text) > 2 {
			scale = 2
		}
		drawBadge(img, badgeRed, text, scale, white)
	}
	cx, cy, r := 16.0, 47.0, 16.0
	switch {
	case st.Attention:
		clearRoundRect(img, cx-r-2, cy-r-2, cx+r+2, cy+r+2, r+2)
		fillRoundRect(img, cx-r, cy-r, cx+r, cy+r, r, badgeAmber)
		drawGlyph(img, '!', int(cx)-7, int(cy)-10, 3, ink)
	case st.Paused:
		clearRoundRect(img, cx-r-2, cy-r-2, cx+r+2, cy+r+2, r+2)
		fillRoundRect(img, cx-r, cy-r, cx+r, cy+r, r, badgeGrey)
		fillRoundRect(img, cx-7, cy-8, cx-2, cy+8, 1, white)
		fillRoundRect(img, cx+2, cy-8, cx+7, cy+8, 1, white)
	}
	return img
}

// drawGlyph draws one 5×7 glyph at (x, y), each pixel scale×scale.
func drawGlyph(img *image.NRGBA, r rune, x, y, scale int, fg color.NRGBA) {
	for gy, row := range glyphs[r] {
		for gx, c := range row {
			if c != '#' {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetNRGBA(x+gx*scale+dx, y+gy*scale+dy, fg)
				}
			}
		}
	}
}

// drawBadge puts text on a filled pill in the top-right corner, with a
// 2-pixel ring of transparency so it stands apart from the bell.
func drawBadge(img *image.NRGBA, bg color.NRGBA, text string, scale int, fg color.NRGBA) {
	n := len(text)
	tw := (n*5 + (n - 1)) * scale
	th := 7 * scale
	h := float64(th + 9)
	w := math.Max(h, float64(tw+10))
	x1 := float64(img.Bounds().Dx()) - 1
	x0, y0, y1 := x1-w, 1.0, 1.0+h
	// Cut a gap around the badge, then fill it.
	clearRoundRect(img, x0-2, y0-2, x1+2, y1+2, h/2+2)
	fillRoundRect(img, x0, y0, x1, y1, h/2, bg)
	tx := int(math.Round(x0 + (w-float64(tw))/2))
	ty := int(math.Round(y0 + (h-float64(th))/2))
	for i, r := range text {
		drawGlyph(img, r, tx+i*6*scale, ty, scale, fg)
	}
}

// coverage is how much of pixel (px, py) a rounded rectangle covers, 4×4
// supersampled.
func coverage(px, py int, x0, y0, x1, y1, r float64) float64 {
	hit := 0
	for sy := 0; sy < 4; sy++ {
		for sx := 0; sx < 4; sx++ {
			x := float64(px) + (float64(sx)+0.5)/4
			y := float64(py) + (float64(sy)+0.5)/4
			if x < x0 || x > x1 || y < y0 || y > y1 {
				continue
			}
			cx := math.Max(x0+r, math.Min(x, x1-r))
			cy := math.Max(y0+r, math.Min(y, y1-r))
			if math.Hypot(x-cx, y-cy) <= r {
				hit++
			}
		}
	}
	return float64(hit) / 16
}

func fillRoundRect(img *image.NRGBA, x0, y0, x1, y1, r float64, c color.NRGBA) {
	b := img.Bounds()
	for py := max(b.Min.Y, int(y0)); py < min(b.Max.Y, int(y1)+1); py++ {
		for px := max(b.Min.X, int(x0)); px < min(b.Max.X, int(x1)+1); px++ {
			a := coverage(px, py, x0, y0, x1, y1, r)
			if a == 0 {
				continue
			}
			under := img.NRGBAAt(px, py)
			img.SetNRGBA(px, py, over(c, a, under))
		}
	}
}

func clearRoundRect(img *image.NRGBA, x0, y0, x1, y1, r float64) {
	b := img.Bounds()
	for py := max(b.Min.Y, int(y0)); py < min(b.Max.Y, int(y1)+1); py++ {
		for px := max(b.Min.X, int(x0)); px < min(b.Max.X, int(x1)+1); px++ {
			a := coverage(px, py, x0, y0, x1, y1, r)
			u := img.NRGBAAt(px, py)
			u.A = uint8(float64(u.A) * (1 - a))
			img.SetNRGBA(px, py, u)
		}
	}
}

// over composites c with coverage a over u (straight alpha).
func over(c color.NRGBA, a float64, u color.NRGBA) color.NRGBA {
	sa := a * float64(c.A) / 255
	da := float64(u.A) / 255
	oa := sa + da*(1-sa)
	if oa == 0 {
		return color.NRGBA{}
	}
	mix := func(s, d uint8) uint8 {
		return uint8((float64(s)*sa + float64(d)*da*(1-sa)) / oa)
	}
	return color.NRGBA{mix(c.R, u.R), mix(c.G, u.G), mix(c.B, u.B), uint8(oa*255 + 0.5)}
}

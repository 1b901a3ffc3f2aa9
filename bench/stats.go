//go:build linux

// Package bench holds the helpers of idlebell's benchmarks (`make bench`):
// a raw go-imap client as the baseline, byte counting below TLS, reading a
// process's memory and CPU from /proc, running the headless binary and the
// helper servers, and the Markdown tables of BENCHMARKS.md. The programs
// that use them are under bench/cmd.
package bench

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0..100) of xs by the nearest-rank
// method, so every figure is one that was measured. xs need not be sorted.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = max(1, min(rank, len(s)))
	return s[rank-1]
}

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Sample is a series of measurements in one unit, e.g. milliseconds.
type Sample []float64

func (s Sample) P(p float64) float64 { return Percentile(s, p) }

// Diff returns a[i]-b[i] for every i: per-trial differences, which cancel
// what both sides share (Dovecot's push delay, the machine's load).
func Diff(a, b Sample) Sample {
	out := make(Sample, min(len(a), len(b)))
	for i := range out {
		out[i] = a[i] - b[i]
	}
	return out
}

// F formats a float with d decimals; NaN becomes "–".
func F(x float64, d int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return fmt.Sprintf("%.*f", d, x)
}

// Ratio formats a/b as "×1.23"; "–" when b is 0.
func Ratio(a, b float64) string {
	if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
		return "–"
	}
	return "×" + F(a/b, 2)
}

// Bytes formats a byte count for a table: "690 B", "50.5 KB", "5.2 MB"
// (decimal units, as the issue quotes them).
func Bytes(n float64) string {
	switch {
	case math.IsNaN(n):
		return "–"
	case math.Abs(n) >= 1e6:
		return F(n/1e6, 2) + " MB"
	case math.Abs(n) >= 1e4:
		return F(n/1e3, 1) + " KB"
	}
	return F(n, 0) + " B"
}

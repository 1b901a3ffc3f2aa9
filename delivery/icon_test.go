package delivery

import (
	"bytes"
	"errors"
	"testing"

	"idlebell/assets"
)

// TestBeeepIcon: the fallback notifier names the bell's file in the cache
// dir, which outlives the bubble, and falls back to the bytes.
func TestBeeepIcon(t *testing.T) {
	if got := beeepIcon(func() (string, error) { return "/cache/idlebell/idlebell.png", nil }); got != "/cache/idlebell/idlebell.png" {
		t.Errorf("beeepIcon(file written) = %v, want the file's path", got)
	}
	got, ok := beeepIcon(func() (string, error) { return "", errors.New("read-only cache") }).([]byte)
	if !ok || !bytes.Equal(got, assets.Bell) {
		t.Errorf("beeepIcon(no file) = %T, want the PNG bytes", got)
	}
}

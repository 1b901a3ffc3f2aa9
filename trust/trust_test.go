package trust

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// TestIsLoopback: settings (may security = "none" go there?) and imapwatch
// (may the password go there unencrypted?) once answered these apart;
// "localhost." and "::1%lo" are this machine too.
func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "localhost.": true, "LocalHost.": true,
		"127.0.0.1": true, "127.1.2.3": true, "127.255.255.255": true,
		"::1": true, "[::1]": true, "::1%lo": true, "[::1%lo]": true, "::ffff:127.0.0.1": true, "[::ffff:127.0.0.1]": true,
		"0:0:0:0:0:0:0:1":  true,
		"imap.example.com": false, "10.0.0.1": false, "::2": false, "": false, ".": false,
		"localhost.example.com": false, "localhost..": false, "128.0.0.1": false, "0.0.0.0": false, "::": false,
		"[::1": false, "::1]": false, "127.0.0.1:143": false, "foo.localhost": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	der := []byte("not really a certificate")
	fp := Fingerprint(der)
	sum := sha256.Sum256(der)
	if len(fp) != len("sha256:")+32*3-1 || !strings.HasPrefix(fp, "sha256:") || strings.ToUpper(fp[7:]) != fp[7:] {
		t.Errorf("Fingerprint() = %q, want sha256: and 32 upper-case hex bytes with colons", fp)
	}
	for _, s := range []string{fp, strings.ToLower(fp), " " + fp + "\n", "SHA256:" + strings.ReplaceAll(fp[7:], ":", "")} {
		b, err := ParseFingerprint(s)
		if err != nil || !bytes.Equal(b, sum[:]) {
			t.Errorf("ParseFingerprint(%q) = %x, %v; want %x", s, b, err, sum)
		}
	}
}

func TestParseFingerprintRefuses(t *testing.T) {
	hex64 := strings.Repeat("ab", 32)
	for _, s := range []string{
		"", "sha256:", "sha256:" + hex64[2:], "sha256:" + hex64 + "ab", "sha1:" + hex64, hex64,
		"sha256:" + strings.Repeat("zz", 32), "sha256:12:34",
	} {
		if b, err := ParseFingerprint(s); err == nil {
			t.Errorf("ParseFingerprint(%q) = %x, want an error", s, b)
		}
	}
}

// Package trust holds idlebell's two answers about a server that settings
// (when it validates a config) and imapwatch (when it connects) must give
// alike: whether a host is this machine, where a password may go without
// TLS, and a pinned certificate's SHA-256 fingerprint.
package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"
)

// IsLoopback reports whether host names this machine without a DNS lookup:
// "localhost" (any case, with or without the root's trailing dot, RFC 6761
// §6.3), an IPv4 address in 127.0.0.0/8 (also IPv4-mapped IPv6), or ::1,
// each with or without brackets and an IPv6 zone ("[::1%lo]").
func IsLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	h := host
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Unmap().IsLoopback()
}

// Fingerprint formats the SHA-256 of a DER certificate as
// "sha256:AB:CD:...": 32 bytes in upper-case hex, colon-separated, as
// openssl x509 -noout -fingerprint -sha256 prints them.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	b.WriteString("sha256:")
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// ParseFingerprint reads a pinned certificate fingerprint: "sha256:" (any
// case) and 64 hex digits, colons optional, surrounding space ignored. It
// returns the 32 digest bytes, or an error that says how to write one.
func ParseFingerprint(s string) ([]byte, error) {
	const prefix = "sha256:"
	t := strings.TrimSpace(s)
	if len(t) < len(prefix) || !strings.EqualFold(t[:len(prefix)], prefix) {
		return nil, fmt.Errorf("%q does not start with \"sha256:\": write it like \"sha256:AB:CD:...\" (openssl x509 -noout -fingerprint -sha256 prints it)", s)
	}
	digest, err := hex.DecodeString(strings.ReplaceAll(t[len(prefix):], ":", ""))
	if err != nil || len(digest) != sha256.Size {
		return nil, fmt.Errorf("%q is not a SHA-256 fingerprint: after \"sha256:\" write 32 bytes as 64 hex digits, colons optional", s)
	}
	return digest, nil
}

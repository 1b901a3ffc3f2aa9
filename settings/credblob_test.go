package settings

import (
	"context"
	"runtime"
	"testing"
	"unicode/utf16"

	"github.com/zalando/go-keyring"
)

func utf16le(s string, terminator bool) string {
	u := utf16.Encode([]rune(s))
	if terminator {
		u = append(u, 0)
	}
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return string(b)
}

func TestDecodeCredentialBlob(t *testing.T) {
	tests := []struct{ name, blob, want string }{
		{"UTF-8 as idlebell stores it", "hunter2", "hunter2"},
		{"UTF-8 non-ASCII", "Grüße-密码-пароль", "Grüße-密码-пароль"},
		{"UTF-8 of two bytes", "ab", "ab"},
		{"UTF-16LE from cmdkey", utf16le("hunter2", false), "hunter2"},
		{"UTF-16LE with a terminator", utf16le("s3cr3t!", true), "s3cr3t!"},
		{"UTF-16LE Latin-1", utf16le("Grüße", false), "Grüße"},
		{"UTF-16LE Cyrillic (no NUL byte)", utf16le("пароль", false), "пароль"},
		{"UTF-16LE CJK (not UTF-8)", utf16le("密码", false), "密码"},
		{"UTF-16LE with a surrogate pair", utf16le("pw🔔x", false), "pw🔔x"},
		{"odd length stays", "a\x00b", "a\x00b"},
		{"unpaired surrogate stays", "\x00\xd8a\x00", "\x00\xd8a\x00"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		if got := decodeCredentialBlob(tc.blob); got != tc.want {
			t.Errorf("%s: decodeCredentialBlob(%q) = %q, want %q", tc.name, tc.blob, got, tc.want)
		}
	}
}

// TestKeyringReadsUTF16Blobs: on Windows a password stored with cmdkey (as
// UTF-16LE) reads as the password.
func TestKeyringReadsUTF16Blobs(t *testing.T) {
	mockKeyring(t)
	credentialBlobs = true
	t.Cleanup(func() { credentialBlobs = runtime.GOOS == "windows" })
	if err := keyring.Set(KeyringService, "Work", utf16le("hunter2", false)); err != nil {
		t.Fatal(err)
	}
	if pw, err := Keyring().Get(context.Background(), "Work"); err != nil || pw != "hunter2" {
		t.Errorf("Get(Work) of a UTF-16LE blob = %q, %v, want hunter2", pw, err)
	}
}

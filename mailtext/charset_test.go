package mailtext

import "testing"

// TestUTF8LabelLatin1Bytes: text labelled UTF-8 that is not reads its
// stray bytes as windows-1252, keeps its valid characters, and a
// character cut at the end of a preview's bytes is dropped, not misread.
func TestUTF8LabelLatin1Bytes(t *testing.T) {
	headers := []struct{ in, want string }{
		{"=?utf-8?Q?Gr=FC=DFe_aus_K=F6ln?=", "Grüße aus Köln"},
		{"=?UTF8?b?R3L831x=?=", "Grüß\\"},
		{"=?utf-8?q?=93Caf=C3=A9=94_=80?=", "“Café” €"},
		{"=?utf-8?q?Gr=C3=BC=C3=9Fe?=", "Grüße"},
	}
	for _, tt := range headers {
		if got := DecodeHeader(tt.in, ""); got != tt.want {
			t.Errorf("DecodeHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	p := TextPart{Path: []int{1}, Charset: "utf-8"}
	previews := []struct {
		data     string
		complete bool
		want     string
	}{
		{"Gr\xfc\xdfe aus K\xf6ln", true, "Grüße aus Köln"},
		{"Caf\xc3\xa9 und K\xf6ln", true, "Café und Köln"},
		{"Caf\xc3\xa9 und Gr\xc3", false, "Café und Gr"}, // a character cut by the fetch
	}
	for _, tt := range previews {
		if got := Preview(p, []byte(tt.data), tt.complete); got != tt.want {
			t.Errorf("Preview(utf-8, %q, complete %v) = %q, want %q", tt.data, tt.complete, got, tt.want)
		}
	}
}

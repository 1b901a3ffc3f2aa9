package mailtext

import "testing"

// TestSenderShowsRealAddress: a display name that is, or holds, an address
// other than the sender's never stands alone; other names are shown as
// they are.
func TestSenderShowsRealAddress(t *testing.T) {
	tests := []struct{ from, name string }{
		{"=?utf-8?q?paypal=40paypal=2Ecom?= <evil@phish.example>", "paypal@paypal.com <evil@phish.example>"},
		{`"paypal@paypal.com" <evil@phish.example>`, "paypal@paypal.com <evil@phish.example>"},
		{`"Service <service@paypal.com>" <evil@phish.example>`, "Service <service@paypal.com> <evil@phish.example>"},
		{`"mailto:service@paypal.com" <evil@phish.example>`, "mailto:service@paypal.com <evil@phish.example>"},
		{"=?utf-8?q?bank=EF=B9=ABbank=2Eexample?= <x@evil.example>", "bank﹫bank.example <x@evil.example>"},
		{"=?utf-8?q?pay=E2=80=8Bpal@paypal.com?= <x@evil.example>", "paypal@paypal.com <x@evil.example>"}, // a zero-width space hides nothing
		// The real address, in any case, is no disguise.
		{`"Lena.Berg@Example.org" <lena.berg@example.org>`, "Lena.Berg@Example.org"},
		{`"Lena Berg (lena@example.org)" <lena@example.org>`, "Lena Berg (lena@example.org)"},
		{"lena@example.org", ""},
		// Not addresses.
		{`"Jane @jane" <jane@example.org>`, "Jane @jane"},
		{`"Lunch @ noon" <cafe@example.org>`, "Lunch @ noon"},
		{`Anna Berg <anna@example.org>`, "Anna Berg"},
	}
	for _, tt := range tests {
		if name, _ := Sender(tt.from, "", "", ""); name != tt.name {
			t.Errorf("Sender(%q) name = %q, want %q", tt.from, name, tt.name)
		}
	}
	// A long disguise is cut so that the real address fits a bubble's title.
	name, _ := Sender(`"support@bank.example Customer Security Department Account Verification" <a@evil.example>`, "", "", "")
	if want := "support@bank.example Customer Security… <a@evil.example>"; name != want {
		t.Errorf("Sender(long disguise) name = %q, want %q", name, want)
	}
}

package settings

import "testing"

func TestStoreCommandPerOS(t *testing.T) {
	tests := []struct{ goos, account, want string }{
		{"linux", "Work", "secret-tool store --label='idlebell Work' service idlebell username Work"},
		{"freebsd", "My Mail", "secret-tool store --label='idlebell My Mail' service idlebell username 'My Mail'"},
		{"darwin", "Work", "security add-generic-password -s idlebell -a Work -w"},
		{"darwin", "Jo's mail", `security add-generic-password -s idlebell -a 'Jo'\''s mail' -w`},
		{"windows", "Work", "cmdkey /generic:idlebell:Work /user:Work /pass"},
		{"windows", "My Mail", `cmdkey /generic:"idlebell:My Mail" /user:"My Mail" /pass`},
		{"windows", "a@b.example", "cmdkey /generic:idlebell:a@b.example /user:a@b.example /pass"},
	}
	for _, tc := range tests {
		if got := storeCommand(tc.goos, KeyringService, tc.account); got != tc.want {
			t.Errorf("storeCommand(%s, %q) = %s\nwant %s", tc.goos, tc.account, got, tc.want)
		}
	}
	for goos, want := range map[string]string{"linux": "secret-tool store", "darwin": "security add-generic-password", "windows": "cmdkey /generic"} {
		if got := storeTool(goos); got != want {
			t.Errorf("storeTool(%s) = %q, want %q", goos, got, want)
		}
	}
	for _, tc := range []struct{ goos, in, want string }{
		{"windows", "My Mail", `"My Mail"`}, {"windows", "Work", "Work"}, {"linux", "My Mail", "'My Mail'"},
	} {
		if got := quoteArg(tc.goos, tc.in); got != tc.want {
			t.Errorf("quoteArg(%s, %q) = %s, want %s", tc.goos, tc.in, got, tc.want)
		}
	}
}

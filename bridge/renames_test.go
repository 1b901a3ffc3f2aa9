package bridge

import (
	"reflect"
	"slices"
	"testing"

	"idlebell/settings"
)

func TestAccountChanges(t *testing.T) {
	acct := func(name, host, user string) settings.Account {
		a := settings.NewAccount(name)
		a.Host, a.Username = host, user
		return a
	}
	cfg := func(as ...settings.Account) *settings.Config {
		c := settings.Default()
		c.Accounts = as
		return c
	}
	work := acct("Work", "imap.example.com", "alice")
	tests := []struct {
		name     string
		old, new *settings.Config
		renamed  map[string]string
		removed  []string
	}{
		{"unchanged", cfg(work), cfg(work), nil, nil},
		{"renamed", cfg(work), cfg(acct("Office", "imap.example.com", "alice")), map[string]string{"Work": "Office"}, nil},
		{"host case", cfg(work), cfg(acct("Office", "IMAP.example.com", "alice")), map[string]string{"Work": "Office"}, nil},
		{"removed", cfg(work, acct("Home", "h", "bob")), cfg(work), nil, []string{"Home"}},
		{"other user is a new account", cfg(work), cfg(acct("Office", "imap.example.com", "carol")), nil, []string{"Work"}},
		{"two candidates: not guessed", cfg(work),
			cfg(acct("A", "imap.example.com", "alice"), acct("B", "imap.example.com", "alice")), nil, []string{"Work"}},
		{"disabled stays", cfg(work), cfg(func() settings.Account { a := work; a.Enabled = false; return a }()), nil, nil},
		{"no old config", nil, cfg(work), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			renamed, removed := AccountChanges(tt.old, tt.new)
			slices.Sort(removed)
			if !reflect.DeepEqual(renamed, tt.renamed) || !reflect.DeepEqual(removed, tt.removed) {
				t.Errorf("AccountChanges = %v, %v; want %v, %v", renamed, removed, tt.renamed, tt.removed)
			}
		})
	}
}

package bridge

import (
	"fmt"
	"log/slog"
	"strings"

	"idlebell/imapwatch"
	"idlebell/settings"
)

// The settings state file is the watcher's Store, with history and renames.
var (
	_ imapwatch.Store   = (*settings.State)(nil)
	_ imapwatch.History = (*settings.State)(nil)
	_ imapwatch.Renamer = (*settings.State)(nil)
)

// AccountChanges compares the accounts of two configs: which were renamed
// (old name → new name) and which were removed. An account gone under its
// old name and one new under another name with the same server and user
// (host, port, username) are one account renamed — the settings window
// renames that way, and so does a hand edit; it must not re-baseline, or
// the mail that arrives meanwhile is lost. When several new accounts could
// be the renamed one, none is taken: it counts as removed.
func AccountChanges(old, new *settings.Config) (renamed map[string]string, removed []string) {
	if old == nil || new == nil {
		return nil, nil
	}
	id := func(a settings.Account) string {
		a = a.WithDefaults()
		return fmt.Sprintf("%s\x00%d\x00%s", strings.ToLower(a.Host), a.Port, a.Username)
	}
	inOld, inNew := map[string]bool{}, map[string]bool{}
	for _, a := range old.Accounts {
		inOld[a.Name] = true
	}
	added := map[string][]string{} // identity → new names
	for _, a := range new.Accounts {
		inNew[a.Name] = true
		if !inOld[a.Name] {
			added[id(a)] = append(added[id(a)], a.Name)
		}
	}
	for _, a := range old.Accounts {
		if inNew[a.Name] {
			continue
		}
		if cands := added[id(a)]; len(cands) == 1 {
			if renamed == nil {
				renamed = map[string]string{}
			}
			renamed[a.Name] = cands[0]
			delete(added, id(a))
			continue
		}
		removed = append(removed, a.Name)
	}
	return renamed, removed
}

// Mover is the part of the watcher a config change moves state with
// (*imapwatch.Manager).
type Mover interface {
	Rename(oldName, newName string)
	Forget(name string)
}

// MoveAccounts tells the watcher about the accounts renamed and removed
// between the running config and the new one; call it before applying the
// new one.
func MoveAccounts(w Mover, old, new *settings.Config, logger *slog.Logger) {
	renamed, removed := AccountChanges(old, new)
	for from, to := range renamed {
		logger.Info("account renamed; its state follows", "from", from, "to", to)
		w.Rename(from, to)
	}
	for _, name := range removed {
		w.Forget(name)
	}
}

package settings

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoad: the loader never panics, fails only with an *Error, and every
// config it accepts survives Save and Load unchanged.
func FuzzLoad(f *testing.F) {
	example, _ := os.ReadFile("../config.example.toml")
	f.Add(string(example))
	f.Add(minimal)
	f.Add(twoAccounts)
	f.Add("version = 2")
	f.Add("[account]\nname = 1")
	f.Add(minimal + "mailboxes = [\"INBOX\", 3]\nport = 1e3\n")
	f.Add("a.b.c = 1\n[[account]]\n[account.x.y]\n")
	f.Add("account = [{name = \"x\", host = \"h\", username = \"u\"}]")
	f.Add("\xff\xfe")
	f.Add(minimal + "name = '''\nmulti\n'''\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := parse("fuzz.toml", []byte(text))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || len(e.Problems) == 0 {
				t.Fatalf("parse(%q) = %v, want an *Error with problems", text, err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("parse(%q) accepted a config Validate rejects: %v", text, err)
		}
		path := filepath.Join(dir, "config.toml")
		if err := Save(path, cfg); err != nil {
			t.Fatalf("Save(parse(%q)) = %v", text, err)
		}
		again, err := Load(path)
		if err != nil {
			data, _ := os.ReadFile(path)
			t.Fatalf("Load(Save(parse(%q))) = %v; saved:\n%s", text, err, data)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("Load(Save(parse(%q))) = %+v, want %+v", text, again, cfg)
		}
	})
}

package appinfo

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseFyneAppTOML(t *testing.T) {
	b, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(FyneApp.toml) = %v", err)
	}
	if got.ID != "io.github.idlebell" || got.Name != "idlebell" {
		t.Errorf("Parse(FyneApp.toml) = ID %q, Name %q; want io.github.idlebell, idlebell", got.ID, got.Name)
	}
	if !got.Migrations["fyneDo"] {
		t.Errorf("Parse(FyneApp.toml).Migrations = %v, want fyneDo = true", got.Migrations)
	}
	if _, err := os.Stat("../" + got.Icon); err != nil {
		t.Errorf("Details.Icon %q: %v", got.Icon, err)
	}
}

func TestParse(t *testing.T) {
	const good = `
[Details]
Icon = "a.png"
Name = "bell"
ID = "org.example.bell"
Version = "1.2.3"
Build = 4
[LinuxAndBSD]
GenericName = "Mail notifier"
Comment = "Says so"
Categories = ["Network", "Email"]
Keywords = ["mail"]
[Migrations]
fyneDo = true
`
	want := Info{ID: "org.example.bell", Name: "bell", Version: "1.2.3", Build: 4, Icon: "a.png",
		GenericName: "Mail notifier", Comment: "Says so", Categories: []string{"Network", "Email"},
		Keywords: []string{"mail"}, Migrations: map[string]bool{"fyneDo": true}}
	got, err := Parse([]byte(good))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse(good) = %+v, %v; want %+v", got, err, want)
	}

	for _, c := range []struct {
		name, old, new, wantErr string
	}{
		{"bad toml", `Build = 4`, `Build = `, "FyneApp.toml:"},
		{"unknown key", `Build = 4`, "Build = 4\nVersoin = \"1\"", "unknown key Details.Versoin"},
		{"two-part id", `"org.example.bell"`, `"example.bell"`, "Details.ID"},
		{"uppercase id", `"org.example.bell"`, `"org.Example.bell"`, "Details.ID"},
		{"name with space", `Name = "bell"`, `Name = "the bell"`, "Details.Name"},
		{"two-part version", `"1.2.3"`, `"1.2"`, "Details.Version"},
		{"git version", `"1.2.3"`, `"1.2.3-4-gabc"`, "Details.Version"},
		{"no build", `Build = 4`, ``, "Details.Build 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := strings.Replace(good, c.old, c.new, 1)
			_, err := Parse([]byte(in))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Parse() error = %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestManPageDocumentsEveryFlag: docs/idlebell.1, which make install
// installs as idlebell(1), names every flag and subcommand that --help
// lists.
func TestManPageDocumentsEveryFlag(t *testing.T) {
	b, err := os.ReadFile("docs/idlebell.1")
	if err != nil {
		t.Fatal(err)
	}
	man := string(b)
	help := func(args ...string) string {
		var out bytes.Buffer
		run(args, &out, &out, runOptions{})
		return out.String()
	}
	top := help("--help")
	commands := regexp.MustCompile(`(?m)^  idlebell ([a-z]+)\b`).FindAllStringSubmatch(top, -1)
	if len(commands) == 0 {
		t.Fatalf("no subcommands in --help:\n%s", top)
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`)
	for _, c := range append([][]string{{"", ""}}, commands...) {
		var text string
		if c[1] == "" {
			text = top
		} else {
			if !regexp.MustCompile(`(?m)^\.BI? ` + c[1] + `\b`).MatchString(man) {
				t.Errorf("docs/idlebell.1 has no entry for the subcommand %s", c[1])
			}
			text = help(c[1], "--help")
		}
		flags := flagLine.FindAllStringSubmatch(text, -1)
		if len(flags) == 0 {
			t.Errorf("no flags in idlebell %s --help:\n%s", c[1], text)
		}
		for _, f := range flags {
			if want := `\-\-` + strings.ReplaceAll(f[1], "-", `\-`); !strings.Contains(man, want) {
				t.Errorf("docs/idlebell.1 does not mention %s (idlebell %s --%s)", want, c[1], f[1])
			}
		}
	}
}

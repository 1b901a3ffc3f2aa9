// Command checkexe checks idlebell's Windows exes after make cross: the
// tray app a GUI program, the headless one a console program, both with an
// icon, a manifest and a version resource carrying the build's version.
//
//	go run ./internal/winexe/checkexe -version V -gui bin/idlebell.exe -console bin/idlebell-headless.exe
package main

import (
	"flag"
	"fmt"
	"os"

	"idlebell/internal/winexe"
)

func main() {
	version := flag.String("version", "", "the ProductVersion each exe must carry")
	gui := flag.String("gui", "", "an exe that must be a GUI program (PE subsystem 2)")
	console := flag.String("console", "", "an exe that must be a console program (PE subsystem 3)")
	flag.Parse()
	failed := false
	for _, c := range []struct {
		path string
		sub  uint16
		kind string
	}{{*gui, winexe.SubsystemGUI, "GUI"}, {*console, winexe.SubsystemConsole, "console"}} {
		if c.path == "" {
			continue
		}
		if err := winexe.Check(c.path, c.sub, *version); err != nil {
			fmt.Fprintln(os.Stderr, "checkexe:", err)
			failed = true
			continue
		}
		fmt.Printf("checkexe: %s: %s program (subsystem %d), icon, manifest, version %s\n", c.path, c.kind, c.sub, *version)
	}
	if failed {
		os.Exit(1)
	}
}

package winexe

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// goCmd runs the go command in dir with extra environment.
func goCmd(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// buildTiny cross-builds a small Windows program from dir (pure Go, no
// MinGW needed) with the given -ldflags.
func buildTiny(t *testing.T, dir, ldflags, out string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), out)
	goCmd(t, dir, []string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0"}, "build", "-ldflags="+ldflags, "-o", exe, ".")
	return exe
}

func TestInspect(t *testing.T) {
	src := t.TempDir()
	for name, text := range map[string]string{
		"go.mod":  "module tiny\n\ngo 1.26\n",
		"main.go": "package main\n\nfunc main() { println(\"tiny\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	console := buildTiny(t, src, "", "console.exe")
	info, err := Inspect(console)
	if err != nil || info.Subsystem != SubsystemConsole || len(info.Resources) != 0 {
		t.Errorf("Inspect(plain build) = %+v, %v; want subsystem 3, no resources", info, err)
	}
	err = Check(console, SubsystemGUI, "")
	for _, want := range []string{"PE subsystem 3, want 2", "no icon (RT_GROUP_ICON)", "no version (RT_VERSION)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(plain build, GUI) = %v, want it to say %q", err, want)
		}
	}

	gui := buildTiny(t, src, "-H=windowsgui", "gui.exe")
	if info, err := Inspect(gui); err != nil || info.Subsystem != SubsystemGUI {
		t.Errorf("Inspect(-H=windowsgui build) = %+v, %v; want subsystem 2", info, err)
	}

	// The resources make cross links in: the app icon drawn by
	// assets/gen_bell.go, packed by tools/winres with the version.
	icons := t.TempDir()
	goCmd(t, "../..", nil, "run", "assets/gen_bell.go", "-hicolor", icons, "-name", "io.github.idlebell")
	const version = "1.2.3+4.gabc1234"
	goCmd(t, "../../tools", nil, "run", "./winres", "-app", "../FyneApp.toml", "-icons", icons,
		"-version", version, "-o", filepath.Join(src, "rsrc_windows_amd64.syso"))
	app := buildTiny(t, src, "-H=windowsgui", "app.exe")
	if err := Check(app, SubsystemGUI, version); err != nil {
		t.Errorf("Check(build with winres's .syso) = %v", err)
	}
	info, err = Inspect(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range []uint32{RTIcon, RTGroupIcon, RTVersion, RTManifest} {
		if !slices.Contains(info.Resources, rt) {
			t.Errorf("resources %v lack type %d", info.Resources, rt)
		}
	}
	if info.Strings["ProductName"] != "idlebell" || info.Strings["OriginalFilename"] != "idlebell.exe" ||
		!regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`).MatchString(info.Strings["FileVersion"]) {
		t.Errorf("version strings %q: want ProductName idlebell, OriginalFilename idlebell.exe, FileVersion x.y.z.build", info.Strings)
	}
	if err := Check(app, SubsystemConsole, "9.9.9"); err == nil || !strings.Contains(err.Error(), `ProductVersion "1.2.3+4.gabc1234", want "9.9.9"`) {
		t.Errorf("Check(app, console, other version) = %v, want subsystem and version mismatches", err)
	}
}

func TestInspectBadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.exe")
	if err := os.WriteFile(p, []byte("MZ not a PE file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(p); err == nil {
		t.Error("Inspect(not a PE file) = nil error")
	}
	if _, err := versionStrings([]byte{0x40, 0, 0, 0, 1, 0}); err == nil {
		t.Error("versionStrings(truncated) = nil error")
	}
}

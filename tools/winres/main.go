// Command winres writes the Windows resources of idlebell.exe as a .syso
// object that go build links in: the icon (16 to 256 px), the version
// information (VS_VERSIONINFO) and the application manifest. It does what
// `fyne package -os windows` does, with the same library and from the same
// FyneApp.toml, but leaves the build to the Makefile: fyne package's C
// hardening flags need libssp, which Debian's MinGW has only as a DLL the
// exe would then require, and it cannot take the build's -ldflags.
//
//	go run ./winres -app ../FyneApp.toml -icons ../bin/share/icons/hicolor \
//	    -version 0.1.0+3.gabc1234 -o ../rsrc_windows_amd64.syso
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/BurntSushi/toml"
	"github.com/josephspurrier/goversioninfo"
)

// iconSizes are the images in the .ico, as Windows picks them for the
// taskbar, Explorer's views and the notification area.
var iconSizes = []int{16, 24, 32, 48, 64, 256}

func main() {
	app := flag.String("app", "FyneApp.toml", "the app's FyneApp.toml")
	icons := flag.String("icons", "", "the hicolor icon folder that assets/gen_bell.go wrote")
	version := flag.String("version", "", "the build's version, as packaging/version.sh prints it")
	out := flag.String("o", "rsrc_windows_amd64.syso", "the .syso to write")
	arch := flag.String("arch", "amd64", "GOARCH of the exe")
	flag.Parse()
	if err := run(*app, *icons, *version, *out, *arch); err != nil {
		fmt.Fprintln(os.Stderr, "winres:", err)
		os.Exit(1)
	}
}

type fyneApp struct {
	Details struct {
		Name, ID, Version string
		Build             int
	}
	LinuxAndBSD struct{ Comment string }
}

func run(appPath, icons, version, out, arch string) error {
	var app fyneApp
	if _, err := toml.DecodeFile(appPath, &app); err != nil {
		return err
	}
	d := app.Details
	m := regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)$`).FindStringSubmatch(d.Version)
	if m == nil || d.Name == "" || d.ID == "" || d.Build < 1 {
		return fmt.Errorf("%s: want Details Name, ID, Version x.y.z and Build >= 1", appPath)
	}
	if version == "" {
		version = d.Version
	}
	tmp, err := os.MkdirTemp("", "winres")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	ico := filepath.Join(tmp, "app.ico")
	if err := writeICO(ico, icons, d.ID); err != nil {
		return err
	}
	// The manifest fyne package writes.
	manifest := filepath.Join(tmp, "app.manifest")
	fixed := fmt.Sprintf("%s.%s.%s.%d", m[1], m[2], m[3], d.Build)
	if err := os.WriteFile(manifest, []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0" xmlns:asmv3="urn:schemas-microsoft-com:asm.v3">
<assemblyIdentity version="`+fixed+`" processorArchitecture="*" name="`+d.Name+`" type="win32"/>
</assembly>
`), 0o644); err != nil {
		return err
	}

	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	fv := goversioninfo.FileVersion{Major: num(m[1]), Minor: num(m[2]), Patch: num(m[3]), Build: d.Build}
	vi := &goversioninfo.VersionInfo{IconPath: ico, ManifestPath: manifest}
	vi.FixedFileInfo.FileVersion = fv
	vi.FixedFileInfo.ProductVersion = fv
	vi.StringFileInfo = goversioninfo.StringFileInfo{
		ProductName:      d.Name,
		FileDescription:  d.Name, // what Task Manager lists
		Comments:         app.LinuxAndBSD.Comment,
		InternalName:     d.Name,
		OriginalFilename: d.Name + ".exe",
		FileVersion:      fixed,
		ProductVersion:   version, // the whole build version, where FixedFileInfo has numbers only
	}
	vi.VarFileInfo.Translation = goversioninfo.Translation{LangID: goversioninfo.LangID(0x0409), CharsetID: goversioninfo.CharsetID(0x04B0)}
	// Build warns that ProductVersion is not four numbers: it is not meant to be.
	log.SetOutput(io.Discard)
	vi.Build()
	log.SetOutput(os.Stderr)
	vi.Walk()
	return vi.WriteSyso(out, arch)
}

// writeICO puts the PNG icons of iconSizes into one .ico file, each as a
// PNG image (Windows Vista and later read those).
func writeICO(path, icons, id string) error {
	var pngs [][]byte
	for _, n := range iconSizes {
		b, err := os.ReadFile(filepath.Join(icons, fmt.Sprintf("%dx%d", n, n), "apps", id+".png"))
		if err != nil {
			return err
		}
		pngs = append(pngs, b)
	}
	var buf bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&buf, le, [3]uint16{0, 1, uint16(len(pngs))}) // ICONDIR: reserved, type icon, count
	offset := 6 + 16*len(pngs)
	for i, p := range pngs {
		wh := byte(iconSizes[i]) // 256 is written as 0
		binary.Write(&buf, le, struct {
			W, H, Colors, Reserved byte
			Planes, BitCount       uint16
			Size, Offset           uint32
		}{wh, wh, 0, 0, 1, 32, uint32(len(p)), uint32(offset)})
		offset += len(p)
	}
	for _, p := range pngs {
		buf.Write(p)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

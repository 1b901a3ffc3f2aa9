// Package winexe reads what Windows shows of an .exe: the PE subsystem
// (GUI or console), the resource types it carries (icon, version
// information, manifest) and the version strings (VS_VERSIONINFO's
// StringFileInfo). make cross checks idlebell's exes with it
// (internal/winexe/checkexe): the tray app must be a GUI program, so that
// no console window opens beside it, with an icon and a version.
//
// Formats: Microsoft's "PE Format" (the .rsrc section's resource
// directory) and "VS_VERSIONINFO structure".
package winexe

import (
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"unicode/utf16"
)

// Subsystems (IMAGE_SUBSYSTEM_*) and resource types (RT_*).
const (
	SubsystemGUI     = pe.IMAGE_SUBSYSTEM_WINDOWS_GUI // 2: no console window
	SubsystemConsole = pe.IMAGE_SUBSYSTEM_WINDOWS_CUI // 3: opens or inherits a console

	RTIcon      = 3
	RTGroupIcon = 14
	RTVersion   = 16
	RTManifest  = 24
)

// Info is what Inspect found.
type Info struct {
	Subsystem uint16
	// Resources are the resource type IDs of the .rsrc section, in order.
	Resources []uint32
	// Strings are the first StringFileInfo table of the version resource:
	// ProductName, ProductVersion, FileVersion, OriginalFilename...
	Strings map[string]string
}

// Inspect reads the PE file at path. An exe without resources is no error
// (Resources and Strings are empty); a malformed resource section is.
func Inspect(path string) (Info, error) {
	f, err := pe.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	var info Info
	var dirs []pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		info.Subsystem, dirs = oh.Subsystem, oh.DataDirectory[:oh.NumberOfRvaAndSizes]
	case *pe.OptionalHeader32:
		info.Subsystem, dirs = oh.Subsystem, oh.DataDirectory[:oh.NumberOfRvaAndSizes]
	default:
		return Info{}, fmt.Errorf("%s: no optional header", path)
	}
	if len(dirs) <= pe.IMAGE_DIRECTORY_ENTRY_RESOURCE || dirs[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE].Size == 0 {
		return info, nil
	}
	rva := dirs[pe.IMAGE_DIRECTORY_ENTRY_RESOURCE].VirtualAddress
	var sec *pe.Section
	for _, s := range f.Sections {
		if rva >= s.VirtualAddress && rva < s.VirtualAddress+s.VirtualSize {
			sec = s
		}
	}
	if sec == nil {
		return Info{}, fmt.Errorf("%s: no section holds the resource directory", path)
	}
	data, err := sec.Data()
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", path, err)
	}
	r := rsrc{data: data, base: rva - sec.VirtualAddress, sectionRVA: sec.VirtualAddress}
	types, err := r.entries(0)
	if err != nil {
		return Info{}, fmt.Errorf("%s: resource directory: %w", path, err)
	}
	for _, e := range types {
		info.Resources = append(info.Resources, e.id)
	}
	if i := slices.IndexFunc(types, func(e entry) bool { return e.id == RTVersion }); i >= 0 {
		v, err := r.firstLeaf(types[i].offset)
		if err == nil {
			info.Strings, err = versionStrings(v)
		}
		if err != nil {
			return Info{}, fmt.Errorf("%s: version resource: %w", path, err)
		}
	}
	return info, nil
}

var errShort = errors.New("truncated")

// rsrc is the .rsrc section; offsets in the resource directory count from
// base, data entries hold RVAs.
type rsrc struct {
	data       []byte
	base       uint32
	sectionRVA uint32
}

type entry struct{ id, offset uint32 }

func (r rsrc) at(off, n uint32) ([]byte, error) {
	start := uint64(r.base) + uint64(off)
	if start+uint64(n) > uint64(len(r.data)) {
		return nil, errShort
	}
	return r.data[start : start+uint64(n)], nil
}

// entries reads the IMAGE_RESOURCE_DIRECTORY at off: 16 bytes, the named
// and ID entry counts at 12 and 14, then 8-byte entries.
func (r rsrc) entries(off uint32) ([]entry, error) {
	h, err := r.at(off, 16)
	if err != nil {
		return nil, err
	}
	n := uint32(binary.LittleEndian.Uint16(h[12:])) + uint32(binary.LittleEndian.Uint16(h[14:]))
	b, err := r.at(off+16, 8*n)
	if err != nil {
		return nil, err
	}
	es := make([]entry, n)
	for i := range es {
		es[i] = entry{binary.LittleEndian.Uint32(b[8*i:]), binary.LittleEndian.Uint32(b[8*i+4:])}
	}
	return es, nil
}

// firstLeaf follows the first entry down (name, then language) to the
// IMAGE_RESOURCE_DATA_ENTRY and returns its bytes.
func (r rsrc) firstLeaf(offset uint32) ([]byte, error) {
	for depth := 0; offset&0x80000000 != 0; depth++ {
		es, err := r.entries(offset &^ 0x80000000)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 || depth > 4 {
			return nil, errors.New("empty resource directory")
		}
		offset = es[0].offset
	}
	d, err := r.at(offset, 8)
	if err != nil {
		return nil, err
	}
	dataRVA, size := binary.LittleEndian.Uint32(d), binary.LittleEndian.Uint32(d[4:])
	if dataRVA < r.sectionRVA {
		return nil, errShort
	}
	start := uint64(dataRVA - r.sectionRVA)
	if start+uint64(size) > uint64(len(r.data)) {
		return nil, errShort
	}
	return r.data[start : start+uint64(size)], nil
}

// versionStrings reads VS_VERSIONINFO: nodes of wLength, wValueLength,
// wType, a NUL-terminated UTF-16 key, padding to 32 bits, the value, and
// children up to wLength. The strings are StringFileInfo's first table.
func versionStrings(b []byte) (map[string]string, error) {
	strs := map[string]string{}
	var walk func(b []byte, depth int, parent string) error
	walk = func(b []byte, depth int, parent string) error {
		for len(b) >= 6 {
			length := int(binary.LittleEndian.Uint16(b))
			valueLen := int(binary.LittleEndian.Uint16(b[2:]))
			text := binary.LittleEndian.Uint16(b[4:]) == 1
			if length < 6 || length > len(b) {
				return errShort
			}
			node := b[:length]
			key, end := utf16z(node, 6)
			if end < 0 {
				return errShort
			}
			pos := align4(end)
			if text {
				valueLen *= 2
			}
			if pos+valueLen > len(node) {
				return errShort
			}
			value := node[pos : pos+valueLen]
			if depth == 3 && parent == "StringFileInfo" {
				v, _ := utf16z(value, 0)
				if _, seen := strs[key]; !seen {
					strs[key] = v
				}
			}
			children := align4(pos + valueLen)
			if children < len(node) && depth < 3 {
				p := parent
				if depth == 1 {
					p = key
				}
				if err := walk(node[children:], depth+1, p); err != nil {
					return err
				}
			}
			b = b[min(align4(length), len(b)):]
		}
		return nil
	}
	if len(b) < 6 {
		return nil, errShort
	}
	if key, _ := utf16z(b, 6); key != "VS_VERSION_INFO" {
		return nil, fmt.Errorf("key %q, want VS_VERSION_INFO", key)
	}
	if err := walk(b, 0, ""); err != nil {
		return nil, err
	}
	return strs, nil
}

// utf16z decodes a NUL-terminated UTF-16LE string at b[off:]; end is the
// offset after the NUL, or -1 when there is none.
func utf16z(b []byte, off int) (s string, end int) {
	var u []uint16
	for i := off; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			return string(utf16.Decode(u)), i + 2
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u)), -1
}

func align4(n int) int { return (n + 3) &^ 3 }

// Check says what is wrong with the exe at path for the subsystem wanted:
// another subsystem, no icon (RT_GROUP_ICON and RT_ICON), no version
// resource, or a ProductVersion other than version (when not "").
func Check(path string, subsystem uint16, version string) error {
	info, err := Inspect(path)
	if err != nil {
		return err
	}
	var errs []error
	if info.Subsystem != subsystem {
		errs = append(errs, fmt.Errorf("%s: PE subsystem %d, want %d", path, info.Subsystem, subsystem))
	}
	for _, rt := range []struct {
		id   uint32
		name string
	}{{RTGroupIcon, "icon (RT_GROUP_ICON)"}, {RTIcon, "icon images (RT_ICON)"}, {RTVersion, "version (RT_VERSION)"}, {RTManifest, "manifest (RT_MANIFEST)"}} {
		if !slices.Contains(info.Resources, rt.id) {
			errs = append(errs, fmt.Errorf("%s: no %s resource", path, rt.name))
		}
	}
	if version != "" && info.Strings["ProductVersion"] != version {
		errs = append(errs, fmt.Errorf("%s: ProductVersion %q, want %q", path, info.Strings["ProductVersion"], version))
	}
	return errors.Join(errs...)
}

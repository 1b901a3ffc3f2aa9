package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/BurntSushi/toml"
)

const savedHeader = `# idlebell config, written by the settings window.
# Comments are not kept when the window saves; every key is described in
# config.example.toml in the source tree and in the README.

`

// Save validates c and writes it to path atomically: a temp file in the same
// directory, fsync, rename over path, fsync of the directory. The file is
// mode 0600; the previous file, if any, is kept as path + ".bak"; the
// directory is created 0700 when missing. When path is a symlink its target
// is replaced, so a dotfiles link keeps working. An invalid c is not written:
// Save returns the *Error from Validate. A crash at any point leaves either
// the old file or the new one at path, never a mix.
func Save(path string, c *Config) error {
	if err := c.Validate(); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Path = path
		}
		return err
	}
	out := c.Clone()
	out.Version = Version
	var buf bytes.Buffer
	buf.WriteString(savedHeader)
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if err := writeFileAtomic(path, buf.Bytes(), true); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	removeStaleTemps(path)
	return nil
}

// removeStaleTemps deletes temp files that a save killed mid-way left
// behind. Only old ones: a fresh one may belong to a save in progress.
func removeStaleTemps(path string) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	for _, pattern := range []string{"." + base + ".tmp-*", base + ".bak.tmp-*"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > time.Minute {
				os.Remove(m)
			}
		}
	}
}

// writeFileAtomic replaces path with data, mode 0600, so that readers and a
// crash see the old or the new contents, never a mix. With keepBak the
// replaced file survives as path + ".bak".
func writeFileAtomic(path string, data []byte, keepBak bool) (err error) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("chmod temp file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if keepBak {
		if err := backup(path); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// backup makes path + ".bak" a copy of path, if path exists, replacing the
// old backup atomically (a crash never leaves no backup). A hard link is a
// copy for free (the rename that follows gives path a new inode); a file
// system without links gets a real copy.
func backup(path string) error {
	bak := path + ".bak"
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	tmp := fmt.Sprintf("%s.tmp-%d", bak, os.Getpid())
	os.Remove(tmp)
	if err := os.Link(path, tmp); err == nil {
		os.Chmod(tmp, 0o600)
		if err := os.Rename(tmp, bak); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("keep backup: %w", err)
		}
		return nil
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s for backup: %w", path, err)
	}
	if err := writeFileAtomic(bak, old, false); err != nil {
		return fmt.Errorf("write backup: %w", err)
	}
	return nil
}

// syncDir makes a rename durable. It is best effort: some systems (Windows)
// cannot open a directory for sync, and the rename itself already happened.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

//go:build linux

package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// DeliverMaildir drops n messages into the Maildir at dir the way a local
// delivery agent does (write into tmp/, rename into new/), owned by the
// owner of dir. It is much faster than n APPENDs (no fsync per message);
// the server indexes the messages when a client next opens the mailbox.
func DeliverMaildir(dir string, msg func(i int) []byte, n int) error {
	fi, err := os.Stat(filepath.Join(dir, "new"))
	if err != nil {
		return fmt.Errorf("maildir %s: %w", dir, err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	now := time.Now().Unix()
	for i := range n {
		name := fmt.Sprintf("%d.M%dP%d.idlebench", now, i, os.Getpid())
		tmp := filepath.Join(dir, "tmp", name)
		if err := os.WriteFile(tmp, msg(i), 0o600); err != nil {
			return err
		}
		if st != nil && os.Getuid() == 0 {
			if err := os.Chown(tmp, int(st.Uid), int(st.Gid)); err != nil {
				return err
			}
		}
		if err := os.Rename(tmp, filepath.Join(dir, "new", name)); err != nil {
			return err
		}
	}
	return nil
}

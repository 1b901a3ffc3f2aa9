package settings

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"
)

// stateVersion is the state file's format version.
const stateVersion = 1

// stateWriteInterval is the coalescing window: a change is written at most
// this long after the write before it, so a killed process loses at most
// about this much progress (which costs a duplicate announcement, never a
// lost mail). stateWriteChanges ends the window early: mail comes in bursts
// (Dovecot pushes every half second what arrived meanwhile, a catch-up is
// written in one go), and a burst written in a few milliseconds would
// otherwise all come again after a kill in the next 100 ms. Each delivered
// mail makes two changes (its watermark, its key). A write, with its fsync,
// takes 1 to 4 ms for a mailbox with a full memory of announced mails and
// 9 ms for ten.
const (
	stateWriteInterval = 100 * time.Millisecond
	stateWriteChanges  = 40
)

// maxStateSize caps what is read of the state file. A larger file is
// treated as corrupt (moved aside): a state file of even a thousand
// mailboxes with full memories is below 12 MiB, and reading a runaway file
// whole would cost its size in memory.
const maxStateSize = 16 << 20

// MaxAnnounced is how many announced messages the state remembers per
// mailbox (see Watermark.Announced).
const MaxAnnounced = 1000

// Watermark is what the watcher remembers about one mailbox.
type Watermark struct {
	UIDValidity uint32    `json:"uid_validity"`
	NextUID     uint32    `json:"next_uid"`
	LastSuccess time.Time `json:"last_success"`
	// Baseline is when the watcher first saw the mailbox: mail older than
	// that is never announced, also not after a UIDVALIDITY change.
	Baseline time.Time `json:"baseline,omitzero"`
	// Announced are 64-bit keys (hashes of the Message-ID with date,
	// sender and subject, made by the watcher; of the Message-ID alone in
	// files an earlier idlebell wrote) of the last MaxAnnounced
	// messages announced, oldest first: after a UIDVALIDITY change, or a
	// UIDNEXT gone backwards, they keep a message from being announced
	// twice under its new UID.
	Announced Keys `json:"announced,omitempty"`
}

// Keys is a list of 64-bit message keys. In the state file it is one
// base64 string of 8 bytes (little-endian) per key: 10.7 KB for 1,000 keys.
type Keys []uint64

// MarshalJSON writes the keys as one base64 string.
func (k Keys) MarshalJSON() ([]byte, error) {
	b := make([]byte, 8*len(k))
	for i, v := range k {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(b))
}

// UnmarshalJSON reads what MarshalJSON wrote; anything else is an error
// (the state file is then corrupt).
func (k *Keys) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("announced: %w", err)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%8 != 0 {
		return fmt.Errorf("announced: not a base64 list of 8-byte keys")
	}
	out := make(Keys, len(b)/8)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	*k = out
	return nil
}

type stateFile struct {
	Version  int                             `json:"version"`
	Accounts map[string]map[string]Watermark `json:"accounts"`
}

// State holds the watermarks per account and mailbox and writes them to disk
// in the background. It is safe for concurrent use; Load and Save never wait
// for the disk. It satisfies imapwatch.Store.
type State struct {
	path       string
	logger     *slog.Logger
	interval   time.Duration
	maxChanges int // stateWriteChanges; tests set their own

	mu       sync.Mutex
	accounts map[string]map[string]Watermark
	dirty    bool
	closed   bool
	damaged  bool // the file could not be read at the start (see Damaged)

	kick      chan struct{} // capacity 1: "something changed"
	full      chan struct{} // capacity 1: maxChanges changes wait
	changes   int           // since the last write; guarded by mu
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	writeErr  error  // last write's error; owned by the writer goroutine until done
	wrote     func() // test hook, called after each write attempt
	// after is the writer's timer (time.After; a test's own).
	after func(time.Duration) <-chan time.Time
}

// OpenState reads the state file at path and starts its writer goroutine,
// which the caller stops with Close. A missing file is an empty state. A
// corrupt or unreadable file is renamed to state.json.corrupt-<time> and
// logged at error level; the state keeps what could be read of it (the
// whole entries before a cut, say), and Damaged names the mailboxes whose
// watermark was lost: the watcher re-baselines those and says that mail
// may have been missed. logger may be nil.
func OpenState(path string, logger *slog.Logger) (*State, error) {
	if path == "" {
		return nil, errors.New("open state: empty path")
	}
	s := newState(path, logger)
	go s.run()
	return s, nil
}

// newState reads the file; the caller starts the writer with go s.run().
func newState(path string, logger *slog.Logger) *State {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &State{
		path:       path,
		logger:     logger,
		interval:   stateWriteInterval,
		maxChanges: stateWriteChanges,
		after:      time.After,
		accounts:   map[string]map[string]Watermark{},
		kick:       make(chan struct{}, 1),
		full:       make(chan struct{}, 1),
		quit:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	s.read()
	return s
}

// readCapped reads at most max bytes of path; a larger file is an error.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("larger than %d MiB", max>>20)
	}
	return data, nil
}

func (s *State) read() {
	data, err := readCapped(s.path, maxStateSize)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err == nil {
		var f stateFile
		if err = json.Unmarshal(data, &f); err == nil && f.Version != stateVersion {
			err = fmt.Errorf("unknown state version %d", f.Version)
		}
		if err == nil {
			for acct, boxes := range f.Accounts {
				if boxes != nil {
					s.accounts[acct] = boxes
				}
			}
			return
		}
	}
	// What can be read is kept: the mailboxes whose watermark survives
	// catch up on the mail that came while idlebell was stopped; the
	// others start afresh, and Damaged says so. A file whose every entry
	// was read whole (junk after its end, say) lost nothing: no mailbox
	// is damaged, and the log says so at warning level.
	recovered, whole := salvage(data)
	for acct, boxes := range recovered {
		s.accounts[acct] = boxes
	}
	s.damaged = !whole
	n := 0
	for _, boxes := range s.accounts {
		n += len(boxes)
	}
	aside := fmt.Sprintf("%s.corrupt-%s", s.path, time.Now().UTC().Format("20060102T150405Z"))
	rerr := os.Rename(s.path, aside)
	switch {
	case whole && rerr != nil:
		s.logger.Warn("state file damaged, every mailbox's state recovered from it; the file will be overwritten",
			"path", s.path, "err", err, "rename_err", rerr, "mailboxes_recovered", n)
	case whole:
		s.logger.Warn("state file damaged, every mailbox's state recovered from it; moved aside",
			"path", s.path, "moved_to", aside, "err", err, "mailboxes_recovered", n)
	case rerr != nil:
		s.logger.Error(stateMissed+"; the file will be overwritten", "path", s.path, "err", err, "rename_err", rerr, "mailboxes_recovered", n)
	default:
		s.logger.Error(stateMissed+"; moved aside", "path", s.path, "moved_to", aside, "err", err, "mailboxes_recovered", n)
	}
}

// stateMissed is the log's word for a state file of which not every
// mailbox's state could be read.
const stateMissed = "state file unusable; mail that arrived while idlebell was stopped may not be announced"

// salvage reads what it can of a state file that does not parse: the
// mailboxes whose entries are whole and sound, up to where the file is
// broken (a file cut short keeps every entry before the cut). A file of
// another version gives nothing. whole is true when the file's object was
// read to its end, of this version, and no entry in it was left out: the
// file lost nothing (what follows the object is not looked at).
func salvage(data []byte) (out map[string]map[string]Watermark, whole bool) {
	out, whole = map[string]map[string]Watermark{}, true
	version := false
	dec := json.NewDecoder(bytes.NewReader(data))
	open := func() bool { t, err := dec.Token(); return err == nil && t == json.Delim('{') }
	key := func() (string, bool) { t, err := dec.Token(); k, ok := t.(string); return k, err == nil && ok }
	if !open() {
		return out, false
	}
	for dec.More() {
		k, ok := key()
		if !ok {
			return out, false
		}
		switch k {
		case "version":
			var v int
			version = true
			if dec.Decode(&v) != nil || v != stateVersion {
				return map[string]map[string]Watermark{}, false
			}
		case "accounts":
			if !open() {
				return out, false
			}
			for dec.More() {
				acct, ok := key()
				if !ok || !open() {
					return out, false
				}
				for dec.More() {
					mbox, ok := key()
					var raw json.RawMessage
					if !ok || dec.Decode(&raw) != nil {
						return out, false
					}
					var w Watermark
					if json.Unmarshal(raw, &w) != nil || w.LastSuccess.IsZero() {
						whole = false
						continue
					}
					if out[acct] == nil {
						out[acct] = map[string]Watermark{}
					}
					out[acct][mbox] = w
				}
				if _, err := dec.Token(); err != nil { // the account's '}'
					return out, false
				}
			}
			if _, err := dec.Token(); err != nil {
				return out, false
			}
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return out, false
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the file's '}'
		return out, false
	}
	return out, whole && version
}

// Damaged reports whether the state file could not be read at the start
// and this mailbox's watermark was not among what could be saved from it:
// mail that arrived in it while idlebell was stopped may not be announced.
// It satisfies imapwatch.Damage.
func (s *State) Damaged(account, mailbox string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.accounts[account][mailbox]
	return s.damaged && !ok
}

// Load returns the watermark for a mailbox; ok is false when there is none
// (first run, new mailbox, or after a corrupt file).
func (s *State) Load(account, mailbox string) (uidValidity, nextUID uint32, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.accounts[account][mailbox]
	// An entry that only has announced keys or a baseline has no watermark.
	ok = ok && !w.LastSuccess.IsZero()
	return w.UIDValidity, w.NextUID, ok
}

// LastSuccess is when Save was last called for the mailbox, or zero.
func (s *State) LastSuccess(account, mailbox string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[account][mailbox].LastSuccess
}

// Save records a watermark and returns at once; the writer goroutine writes
// it within stateWriteInterval (100 ms), coalescing bursts. After Close it is ignored.
func (s *State) Save(account, mailbox string, uidValidity, nextUID uint32) {
	// The announced keys stay when UIDVALIDITY changes: they name messages,
	// not UIDs, and a recreated mailbox is where they matter.
	s.update(account, mailbox, func(w *Watermark) {
		w.UIDValidity, w.NextUID, w.LastSuccess = uidValidity, nextUID, time.Now().UTC()
	})
}

// Baseline is when the mailbox was first seen, or zero.
func (s *State) Baseline(account, mailbox string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[account][mailbox].Baseline
}

// SetBaseline records when the mailbox was first seen. Like Save it returns
// at once.
func (s *State) SetBaseline(account, mailbox string, at time.Time) {
	s.update(account, mailbox, func(w *Watermark) { w.Baseline = at.UTC() })
}

// update changes one mailbox's entry and schedules a write.
func (s *State) update(account, mailbox string, f func(*Watermark)) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	boxes := s.accounts[account]
	if boxes == nil {
		boxes = map[string]Watermark{}
		s.accounts[account] = boxes
	}
	w := boxes[mailbox]
	f(&w)
	boxes[mailbox] = w
	s.dirty = true
	s.changes++
	full := s.changes >= s.maxChanges
	s.mu.Unlock()
	s.poke()
	if full {
		select {
		case s.full <- struct{}{}:
		default:
		}
	}
}

// Announced returns a mailbox's remembered message keys, oldest first (a
// copy).
func (s *State) Announced(account, mailbox string) []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.accounts[account][mailbox].Announced...)
}

// Announce remembers that the message with key was announced in a mailbox,
// keeping the newest keys: at most MaxAnnounced, at least nine tenths of
// that once it was reached. Like Save it returns at once.
func (s *State) Announce(account, mailbox string, key uint64) {
	s.update(account, mailbox, func(w *Watermark) {
		if len(w.Announced) >= MaxAnnounced {
			// Drop the oldest in chunks, so the copy is rare.
			w.Announced = append(Keys(nil), w.Announced[len(w.Announced)-MaxAnnounced+MaxAnnounced/10:]...)
		}
		w.Announced = append(w.Announced, key)
	})
}

// Forget drops an account's watermarks (the account was removed).
func (s *State) Forget(account string) {
	s.mu.Lock()
	if _, ok := s.accounts[account]; !ok || s.closed {
		s.mu.Unlock()
		return
	}
	delete(s.accounts, account)
	s.dirty = true
	s.mu.Unlock()
	s.poke()
}

// Rename moves an account's watermarks to its new name, so a renamed
// account does not re-baseline.
func (s *State) Rename(oldName, newName string) {
	s.mu.Lock()
	boxes, ok := s.accounts[oldName]
	if !ok || s.closed || oldName == newName {
		s.mu.Unlock()
		return
	}
	delete(s.accounts, oldName)
	s.accounts[newName] = boxes
	s.dirty = true
	s.mu.Unlock()
	s.poke()
}

func (s *State) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Close writes any pending change and stops the writer. It returns the last
// write error, if any. It is safe to call more than once.
func (s *State) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.quit)
	})
	<-s.done
	return s.writeErr
}

// run is the writer goroutine: it waits for a change, writes, then lets
// interval pass before the next write, or less when maxChanges changes
// wait. It exits after a final flush when Close is called.
func (s *State) run() {
	defer close(s.done)
	var last time.Time
	for {
		select {
		case <-s.kick:
		case <-s.quit:
			s.flush()
			return
		}
		if wait := time.Until(last.Add(s.interval)); wait > 0 {
			select {
			case <-s.after(wait):
			case <-s.full:
			case <-s.quit:
				s.flush()
				return
			}
		}
		s.flush()
		last = time.Now()
	}
}

// flush writes the state if it changed. Only the writer goroutine calls it.
func (s *State) flush() {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return
	}
	data, err := json.MarshalIndent(stateFile{Version: stateVersion, Accounts: s.accounts}, "", "  ")
	s.dirty = false
	s.changes = 0
	s.mu.Unlock()
	select { // what it signalled is in this write
	case <-s.full:
	default:
	}

	if err == nil {
		err = writeFileAtomic(s.path, append(data, '\n'), false)
	}
	if err != nil {
		// Try again with the next change (or at Close).
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		if s.writeErr == nil || s.writeErr.Error() != err.Error() {
			s.logger.Warn("cannot write state file", "path", s.path, "err", err)
		}
	}
	s.writeErr = err
	if s.wrote != nil {
		s.wrote()
	}
}

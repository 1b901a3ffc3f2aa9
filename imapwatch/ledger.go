package imapwatch

import (
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxKeys is how many announced messages a mailbox's ledger remembers by
// key: enough for the mail of a day or two in a busy inbox, which is the
// window a UIDVALIDITY change or a server that reassigns UIDs is checked in.
const maxKeys = 1000

// noUID is the position past the largest UID (4294967295): nothing can be
// new after it without a UIDVALIDITY change.
const noUID = math.MaxUint32 + 1

// ledger is one mailbox's exactly-once bookkeeping. It is shared by every
// supervisor that watches the mailbox over the Manager's life (an account
// restarted by a config change gets the same ledger), and by the NewMail
// events on their way to the front, which report their delivery to it.
//
// Two positions: next is how far mail was handed on (the fetch goes on from
// there); the watermark saved to the Store is how far it was delivered, so
// a crash repeats mail that was handed on but not delivered, never skips
// it. The watermark never passes an undelivered UID.
//
// Its methods are safe for concurrent use.
type ledger struct {
	store   Store
	history History // nil when the Store keeps no history

	mu       sync.Mutex
	account  string // changes on Rename
	mailbox  string
	loaded   bool
	known    bool // validity is the server's: UIDVALIDITY 0 is a value like any other
	validity uint32
	next     uint64    // every UID below was handed on, or was there at the baseline
	pending  []pending // handed on, not yet delivered; ascending UID
	// handed are the UIDs at or above next that were handed on (a fetch
	// answered out of UID order leaves next behind them), ascending: a
	// fetch that reads the range again must not hand them on twice.
	handed []uint32
	saved  uint64 // the watermark the Store was last given
	// lastSuccess is when the mailbox was last known fully delivered: the
	// start of the window a UIDVALIDITY change is re-checked in.
	lastSuccess time.Time
	// baseline is when the mailbox was first seen: older mail is never
	// announced, also not after a UIDVALIDITY change.
	baseline time.Time
	keys     []uint64       // announced and delivered, oldest first
	inflight map[uint64]int // keys handed on, not yet delivered
	closed   bool           // the account was removed: no more saves
}

type pending struct {
	validity  uint32
	uid       uint32
	delivered bool
}

// delivery is a NewMail's link back to its ledger.
type delivery struct {
	l        *ledger
	validity uint32
	uid      uint32
	key      uint64
	once     sync.Once
}

// History is what a Store may keep besides the watermark, so that a
// UIDVALIDITY change or a server that gives one message a second UID
// announces nothing twice and loses nothing (settings.State keeps it).
// Implementations must be safe for concurrent use and must not block.
type History interface {
	// LastSuccess is when Save was last called for the mailbox; zero when
	// unknown.
	LastSuccess(account, mailbox string) time.Time
	// Baseline is when the mailbox was first seen, SetBaseline records it;
	// zero when unknown.
	Baseline(account, mailbox string) time.Time
	SetBaseline(account, mailbox string, at time.Time)
	// Announced is the mailbox's remembered message keys, oldest first.
	Announced(account, mailbox string) []uint64
	// Announce remembers one more key (the Store bounds the list).
	Announce(account, mailbox string, key uint64)
}

// Damage is what a Store may say about a mailbox it has no watermark for:
// that the watermark was lost (its state file could not be read), so the
// mailbox's first sight is no first start and mail that arrived while
// idlebell was stopped may go unannounced (settings.State has it). Safe
// for concurrent use; must not block.
type Damage interface {
	Damaged(account, mailbox string) bool
}

// Renamer is what a Store may offer for Manager.Rename and Manager.Forget.
type Renamer interface {
	Rename(oldName, newName string)
	Forget(account string)
}

// ledgers is the Manager's registry of ledgers by account and mailbox.
type ledgers struct {
	store Store
	mu    sync.Mutex
	m     map[[2]string]*ledger
}

func newLedgers(store Store) *ledgers {
	return &ledgers{store: store, m: map[[2]string]*ledger{}}
}

// get returns the mailbox's ledger, loaded from the Store on first use.
func (r *ledgers) get(account, mailbox string) *ledger {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]string{account, mailbox}
	l := r.m[k]
	if l == nil {
		l = &ledger{store: r.store, account: account, mailbox: mailbox, inflight: map[uint64]int{}}
		l.history, _ = r.store.(History)
		r.m[k] = l
	}
	return l
}

// rename moves an account's ledgers to a new name, and its stored state
// with them, in one step: no save can come in between under either name.
func (r *ledgers) rename(oldName, newName string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var moved []*ledger
	for k, l := range r.m {
		if k[0] == oldName {
			l.mu.Lock()
			moved = append(moved, l)
		}
	}
	if rn, ok := r.store.(Renamer); ok {
		rn.Rename(oldName, newName)
	}
	for _, l := range moved {
		delete(r.m, [2]string{oldName, l.mailbox})
		l.account = newName
		r.m[[2]string{newName, l.mailbox}] = l
		l.mu.Unlock()
	}
}

// forget drops an account's ledgers and stored state; mail of it still on
// its way to the front no longer moves anything.
func (r *ledgers) forget(account string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var gone []*ledger
	for k, l := range r.m {
		if k[0] == account {
			l.mu.Lock()
			l.closed = true
			gone = append(gone, l)
			delete(r.m, k)
		}
	}
	if rn, ok := r.store.(Renamer); ok {
		rn.Forget(account)
	}
	for _, l := range gone {
		l.mu.Unlock()
	}
}

// load reads the Store once. Callers hold l.mu.
func (l *ledger) load() {
	if l.loaded {
		return
	}
	l.loaded = true
	if l.store == nil {
		return
	}
	v, n, ok := l.store.Load(l.account, l.mailbox)
	if ok {
		l.known, l.validity, l.next, l.saved = true, v, uint64(n), uint64(n)
	}
	if l.history != nil {
		l.lastSuccess = l.history.LastSuccess(l.account, l.mailbox)
		l.baseline = l.history.Baseline(l.account, l.mailbox)
		l.keys = l.history.Announced(l.account, l.mailbox)
		if len(l.keys) > maxKeys {
			l.keys = l.keys[len(l.keys)-maxKeys:]
		}
	}
}

// damaged reports whether the Store lost the mailbox's watermark (see
// Damage).
func (l *ledger) damaged() bool {
	d, ok := l.store.(Damage)
	l.mu.Lock()
	defer l.mu.Unlock()
	return ok && d.Damaged(l.account, l.mailbox)
}

// position returns what the ledger knows: whether it has a watermark, its
// UIDVALIDITY and how far mail was handed on.
func (l *ledger) position() (known bool, validity uint32, next uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.load()
	return l.known, l.validity, l.next
}

// since is the start of the window to re-check after a UIDVALIDITY change,
// in the server's clock: zero when unknown. The window begins a while
// before the last time the mailbox was known fully delivered (clocks
// differ; a save may come while mail is still on its way), but not before
// the mailbox was first seen (less a little, for the same clocks).
func (l *ledger) since() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.load()
	if l.lastSuccess.IsZero() {
		return time.Time{}
	}
	from := l.lastSuccess.Add(-recheckSlack)
	if !l.baseline.IsZero() {
		from = maxTime(from, l.baseline.Add(-baselineSlack))
	}
	return from
}

// recheckSlack and baselineSlack widen the re-check window, see since.
const (
	recheckSlack  = time.Hour
	baselineSlack = 2 * time.Minute
)

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// reset makes (validity, next) the mailbox's position with nothing handed
// on: a baseline, a UIDVALIDITY change, or a server whose UIDNEXT went
// backwards. Mail of another UIDVALIDITY still on its way no longer holds
// the watermark back; its keys are remembered when it is delivered. With
// baseline, what is in the mailbox now is old mail, never to be announced.
func (l *ledger) reset(validity uint32, next uint64, baseline bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.load()
	if baseline && !l.closed {
		l.baseline = time.Now()
		if l.history != nil {
			l.history.SetBaseline(l.account, l.mailbox, l.baseline)
		}
	}
	if l.known && l.validity != validity {
		l.pending = slices.DeleteFunc(l.pending, func(p pending) bool { return p.validity != validity })
	}
	l.known, l.validity, l.next = true, validity, next
	l.pending = slices.DeleteFunc(l.pending, func(p pending) bool { return uint64(p.uid) >= next })
	l.handed = nil // UIDs of other mail now, or of another UIDVALIDITY
	l.saveLocked(true)
}

// checked says the mailbox was compared with the server and found up to
// date: the watermark's time is refreshed, at most once in touchEvery.
func (l *ledger) checked(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.known || len(l.pending) > 0 {
		return
	}
	if now.Sub(l.lastSuccess) < touchEvery && l.watermarkLocked() == l.saved {
		return
	}
	l.saveLocked(true)
}

// touchEvery bounds how often an idle mailbox's state is rewritten just to
// refresh its time; the re-check window starts this much earlier at most.
const touchEvery = time.Hour

// seen reports whether a message with key (or the key an older idlebell
// wrote for it, see mailKey) was announced in this mailbox already, or is
// on its way to the front.
func (l *ledger) seen(key, old uint64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.load()
	if l.inflight[key] > 0 {
		return true
	}
	return slices.Contains(l.keys, key) || (old != key && slices.Contains(l.keys, old))
}

// handedBefore reports whether uid, at or above the hand-on position, was
// handed on already under the current UIDVALIDITY.
func (l *ledger) handedBefore(uid uint32) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, found := slices.BinarySearch(l.handed, uid)
	return found
}

// handOn records a message about to be handed on and returns its delivery
// link; abandon undoes it if the hand-on did not happen.
func (l *ledger) handOn(uid uint32, key uint64) *delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, _ := slices.BinarySearchFunc(l.pending, uid, func(p pending, uid uint32) int { return int(int64(p.uid) - int64(uid)) })
	l.pending = slices.Insert(l.pending, i, pending{validity: l.validity, uid: uid})
	if j, found := slices.BinarySearch(l.handed, uid); !found {
		l.handed = slices.Insert(l.handed, j, uid)
	}
	l.inflight[key]++
	if len(l.pending) > maxPending {
		// A front that never calls Delivered: memory stays bounded, and
		// the watermark follows the hand-on for the oldest (as it did
		// before fronts confirmed delivery).
		l.pending = slices.Delete(l.pending, 0, len(l.pending)-maxPending)
		clear(l.inflight)
	}
	if len(l.handed) > maxPending {
		l.handed = slices.Delete(l.handed, 0, len(l.handed)-maxPending)
	}
	return &delivery{l: l, validity: l.validity, uid: uid, key: key}
}

// maxPending bounds the mail handed on and not yet delivered per mailbox
// (about 40 bytes each). A front may hold a whole catch-up until its Batch
// (the digest); more than this means it does not call Delivered.
const maxPending = 1 << 16

// handedOn moves the hand-on position past uid (the message and every one
// below it were handed on). The front may have confirmed the message
// already (it is sent before this is called): then nothing is pending and
// the watermark moves here.
func (l *ledger) handedOn(uid uint32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.advanceLocked(uid)
}

// skip moves the hand-on position past a message not handed on because it
// was announced before (under another UID): it counts as delivered.
func (l *ledger) skip(uid uint32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.advanceLocked(uid)
}

// advanceLocked moves the hand-on position past uid.
func (l *ledger) advanceLocked(uid uint32) {
	l.next = max(l.next, uint64(uid)+1)
	l.handed = slices.DeleteFunc(l.handed, func(u uint32) bool { return uint64(u) < l.next })
	l.saveLocked(false)
}

func (l *ledger) abandon(d *delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropLocked(d)
	if i, found := slices.BinarySearch(l.handed, d.uid); found && d.validity == l.validity {
		l.handed = slices.Delete(l.handed, i, i+1)
	}
}

// dropLocked removes a pending entry and its in-flight key.
func (l *ledger) dropLocked(d *delivery) {
	if i := slices.IndexFunc(l.pending, func(p pending) bool { return p.uid == d.uid && p.validity == d.validity }); i >= 0 {
		l.pending = slices.Delete(l.pending, i, i+1)
	}
	if l.inflight[d.key]--; l.inflight[d.key] <= 0 {
		delete(l.inflight, d.key)
	}
}

// delivered is called once per NewMail by its front.
func (l *ledger) delivered(d *delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dropLocked(d)
	if l.closed {
		return
	}
	l.keys = append(l.keys, d.key)
	if len(l.keys) > maxKeys+maxKeys/10 {
		l.keys = append([]uint64(nil), l.keys[len(l.keys)-maxKeys:]...)
	}
	if l.history != nil {
		l.history.Announce(l.account, l.mailbox, d.key)
	}
	l.saveLocked(false)
}

// watermarkLocked is the first UID not yet delivered: the lowest pending
// UID, or the hand-on position when nothing is pending.
func (l *ledger) watermarkLocked() uint64 {
	if len(l.pending) > 0 {
		return min(uint64(l.pending[0].uid), l.next)
	}
	return l.next
}

// saveLocked gives the Store the watermark when it moved (or always, with
// force). A watermark past the largest UID is saved as 4294967295: after a
// restart that one message is fetched again and recognised by its key.
func (l *ledger) saveLocked(force bool) {
	if l.closed || !l.known {
		return
	}
	w := l.watermarkLocked()
	if !force && w == l.saved {
		return
	}
	l.saved = w
	if len(l.pending) == 0 {
		l.lastSuccess = time.Now()
	}
	if l.store != nil {
		l.store.Save(l.account, l.mailbox, l.validity, uint32(min(w, math.MaxUint32)))
	}
}

// Delivered tells the watcher that the front has delivered this mail: the
// JSON line written and flushed, or the bubble handed to the notifier and
// the hooks queued. Only then does the mailbox's saved watermark move past
// it, so a crash may repeat the last few mails but never skips one. Call it
// once the mail is out of your hands; it is safe from any goroutine, and
// calls after the first (also on copies of the event) do nothing. A NewMail
// not made by the watcher ignores it.
func (m *NewMail) Delivered() {
	if m == nil || m.ack == nil {
		return
	}
	d := m.ack
	d.once.Do(func() { d.l.delivered(d) })
}

// mailKey names a message independently of its UID, for the places where
// UIDs were reassigned (a UIDVALIDITY change, UIDNEXT gone backwards): a
// hash of its Message-ID together with its date, sender and subject, or of
// those three alone when it has no Message-ID. The Message-ID alone would
// not do: scanners, printers, cron jobs and broken mailers give each of
// their mails the same one. The fields are as mailtext decodes them from
// the raw header, so the same message gives the same key on every fetch.
//
// old is the key an idlebell before this one remembered for the message
// (the Message-ID alone; key itself when there is none): a state file
// written then still recognises the messages it names.
func mailKey(messageID string, date time.Time, from, subject string) (key, old uint64) {
	hdr := strconv.FormatInt(date.Unix(), 10) + "\x00" + from + "\x00" + subject
	id := strings.TrimSpace(messageID)
	if id == "" {
		key = fnvSum("hdr\x00" + hdr)
		return key, key
	}
	return fnvSum("idhdr\x00" + id + "\x00" + hdr), fnvSum("id\x00" + id)
}

func fnvSum(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

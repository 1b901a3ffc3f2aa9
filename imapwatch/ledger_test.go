package imapwatch

import (
	"math"
	"testing"
	"time"
)

// TestLedgerWatermarkFollowsDelivery: the saved watermark passes a mail only
// once it and every mail below it were delivered, whatever the order the
// front confirms them in; a second confirmation changes nothing.
func TestLedgerWatermarkFollowsDelivery(t *testing.T) {
	store := newMemStore()
	l := newLedgers(store).get("A", "INBOX")
	l.reset(1, 10, true)
	var ds []*delivery
	for uid := uint32(10); uid < 13; uid++ {
		d := l.handOn(uid, uint64(uid))
		l.handedOn(uid)
		ds = append(ds, d)
	}
	ack := func(i int) { (&NewMail{ack: ds[i]}).Delivered() }
	steps := []struct {
		deliver int
		want    uint32
	}{{1, 10}, {1, 10}, {0, 12}, {2, 13}}
	for _, st := range steps {
		ack(st.deliver)
		if got := store.watermark("A", "INBOX"); got != st.want {
			t.Errorf("after delivering UID %d: watermark = %d, want %d", 10+st.deliver, got, st.want)
		}
	}
	if !l.seen(11, 11) || l.seen(99, 99) {
		t.Errorf("seen(11), seen(99) = %v, %v; want true, false", l.seen(11, 11), l.seen(99, 99))
	}
}

// TestLedgerDeliveredBeforeHandedOn: a front quick enough to confirm a
// mail before the watcher has moved its hand-on position past it (the event
// is sent, then the position moves) still gets the watermark saved past the
// mail: nothing else may come to save it before a crash.
func TestLedgerDeliveredBeforeHandedOn(t *testing.T) {
	store := newMemStore()
	l := newLedgers(store).get("A", "INBOX")
	l.reset(1, 10, true)
	for uid := uint32(10); uid < 12; uid++ {
		d := l.handOn(uid, uint64(uid))
		(&NewMail{ack: d}).Delivered()
		l.handedOn(uid)
		if got := store.watermark("A", "INBOX"); got != uid+1 {
			t.Errorf("after UID %d delivered, then handed on: watermark = %d, want %d", uid, got, uid+1)
		}
	}
}

// TestLedgerLargestUID: UID 4294967295 does not wrap the watermark to 0 (which
// would announce the mailbox's last message again and again).
func TestLedgerLargestUID(t *testing.T) {
	store := newMemStore()
	l := newLedgers(store).get("A", "INBOX")
	l.reset(1, math.MaxUint32, true)
	d := l.handOn(math.MaxUint32, 1)
	l.handedOn(math.MaxUint32)
	(&NewMail{ack: d}).Delivered()
	if _, _, pos := l.position(); pos != noUID {
		t.Errorf("position after UID 4294967295 = %d, want %d", pos, uint64(noUID))
	}
	if got := store.watermark("A", "INBOX"); got != math.MaxUint32 {
		t.Errorf("saved watermark = %d, want 4294967295", got)
	}
	// After a restart the last message is fetched again and recognised.
	l2 := newLedgers(store).get("A", "INBOX")
	if !l2.seen(1, 1) {
		t.Errorf("the last message's key is not remembered across a restart")
	}
}

// TestLedgerRenameForget: a renamed account keeps its watermark and the
// mail on its way to the front moves it under the new name; a forgotten one
// saves nothing more.
func TestLedgerRenameForget(t *testing.T) {
	store := newMemStore()
	r := newLedgers(store)
	l := r.get("Old", "INBOX")
	l.reset(1, 5, true)
	d := l.handOn(5, 5)
	l.handedOn(5)
	r.rename("Old", "New")
	(&NewMail{ack: d}).Delivered()
	if got := store.watermark("New", "INBOX"); got != 6 {
		t.Errorf("watermark under the new name = %d, want 6", got)
	}
	if _, _, ok := store.Load("Old", "INBOX"); ok {
		t.Errorf("the old name still has a watermark")
	}
	if r.get("New", "INBOX") != l {
		t.Errorf("the new name has another ledger")
	}
	d = l.handOn(6, 6)
	r.forget("New")
	(&NewMail{ack: d}).Delivered()
	if _, _, ok := store.Load("New", "INBOX"); ok {
		t.Errorf("a forgotten account has a watermark")
	}
}

// TestLedgerHandedBefore: a fetch answered out of UID order leaves the
// hand-on position behind the mails it handed on; reading the range again
// must find them handed on (by UID: they may share a Message-ID with new
// mail). Once the position passes them, or UIDs are reassigned, they are
// forgotten.
func TestLedgerHandedBefore(t *testing.T) {
	l := newLedgers(newMemStore()).get("A", "INBOX")
	l.reset(1, 10, true)
	for _, uid := range []uint32{12, 11} {
		(&NewMail{ack: l.handOn(uid, 7)}).Delivered()
	}
	for uid, want := range map[uint32]bool{10: false, 11: true, 12: true, 13: false} {
		if got := l.handedBefore(uid); got != want {
			t.Errorf("handedBefore(%d) = %v, want %v", uid, got, want)
		}
	}
	l.abandon(l.handOn(13, 8))
	if l.handedBefore(13) {
		t.Errorf("handedBefore(13) after abandon = true, want false")
	}
	l.handedOn(11)
	if l.handedBefore(11) || !l.handedBefore(12) {
		t.Errorf("after the position passed 11: handedBefore(11), (12) = %v, %v; want false, true", l.handedBefore(11), l.handedBefore(12))
	}
	l.reset(2, 5, false)
	if l.handedBefore(12) {
		t.Errorf("handedBefore(12) after a UIDVALIDITY change = true, want false")
	}
}

// TestMailKey: mails that share a Message-ID but differ in date, sender or
// subject have different keys; the same message has one key; a key
// remembered by an older idlebell (the Message-ID alone) is still
// recognised.
func TestMailKey(t *testing.T) {
	date := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	scan1, old := mailKey("fixed@scanner", time.Time{}, "scanner@office.example", "Scan 1")
	again, _ := mailKey(" fixed@scanner ", time.Time{}, "scanner@office.example", "Scan 1")
	if scan1 != again {
		t.Errorf("the same message has keys %x and %x", scan1, again)
	}
	for _, other := range [][3]string{
		{"", "scanner@office.example", "Scan 2"},
		{"date", "scanner@office.example", "Scan 1"},
		{"", "printer@office.example", "Scan 1"},
	} {
		d := time.Time{}
		if other[0] != "" {
			d = date
		}
		if k, _ := mailKey("fixed@scanner", d, other[1], other[2]); k == scan1 {
			t.Errorf("mailKey(fixed@scanner, %v, %s, %s) = the key of Scan 1", d, other[1], other[2])
		}
	}
	store := newMemStore()
	store.Announce("A", "INBOX", fnvSum("id\x00fixed@scanner")) // as written before
	l := newLedgers(store).get("A", "INBOX")
	if !l.seen(scan1, old) {
		t.Errorf("a key remembered by an older idlebell is not recognised")
	}
	if k, o := mailKey("", date, "a@example.org", "hi"); k != o {
		t.Errorf("without a Message-ID: key %x, old key %x; want the same", k, o)
	}
}

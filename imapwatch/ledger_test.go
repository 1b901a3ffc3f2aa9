package imapwatch

import (
	"math"
	"testing"
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
	if !l.seen(11) || l.seen(99) {
		t.Errorf("seen(11), seen(99) = %v, %v; want true, false", l.seen(11), l.seen(99))
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
	if !l2.seen(1) {
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

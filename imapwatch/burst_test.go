package imapwatch

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// TestBurst5000: 5,000 messages arrive while idlebell is stopped. On start
// every one is announced exactly once, marked catch-up, and the heap stays
// bounded: the fetch streams, nothing holds all 5,000 at once.
func TestBurst5000(t *testing.T) {
	srv := newDemoServer(t, demoOptions())
	user, cfg := srv.newUser(t)
	store := newMemStore()
	m1, c1 := startManager(t, cfg, store)
	c1.waitState(t, StateIdle, wait)
	m1.Close()

	n := 5000
	if s := os.Getenv("BURST_N"); s != "" {
		fmt.Sscan(s, &n)
	}
	body := make([]byte, 0, 4096)
	for len(body) < 4000 {
		body = append(body, "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "...)
	}
	for i := range n {
		msg := append(testMessage(i, fmt.Sprintf("burst %04d", i)), body...)
		srv.deliver(t, user, "INBOX", msg)
	}
	runtime.GC()
	base := liveHeap()

	// Sample the heap while the catch-up runs; the sampler is owned here
	// and stops when the catch-up is complete.
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if h := liveHeap(); h > peak.Load() {
					peak.Store(h)
				}
			}
		}
	}()
	start := time.Now()
	_, c2 := startManager(t, cfg, store)
	got := c2.waitMails(t, n, time.Minute)
	took := time.Since(start)
	close(stop)
	<-sampled

	seen := make(map[uint32]bool, n)
	for _, m := range got {
		if seen[m.UID] {
			t.Fatalf("uid %d announced twice", m.UID)
		}
		seen[m.UID] = true
		if !m.CatchUp {
			t.Fatalf("uid %d not marked catch-up", m.UID)
		}
	}
	c2.waitState(t, StateIdle, wait)
	assertOnce(t, c2.untilSentinel(t, srv, user, "INBOX", wait))
	growth := int64(peak.Load()) - int64(base)
	t.Logf("%d-message catch-up: %s; live heap before %.1f MB, peak %.1f MB, growth %.1f MB (includes the test's %d collected events)",
		n, took.Round(time.Millisecond), mb(base), mb(peak.Load()), float64(growth)/(1<<20), n)
	// 4 KB messages: holding the burst would grow the heap by 20 MB or more.
	// What the test keeps (the events, ~1 KB each) is the only thing that
	// should scale with n.
	if limit := int64(n) * 2 << 10; growth > limit {
		t.Errorf("live heap grew by %.1f MB during the catch-up, want < %.1f MB (2 KB per message)", float64(growth)/(1<<20), float64(limit)/(1<<20))
	}
}

// liveHeap is the heap that survived the last GC: garbage does not count.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

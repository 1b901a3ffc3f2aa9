package imapwatch

import (
	"math/rand/v2"
	"sync"
	"time"
)

// backoff paces reconnects: the first retry is immediate, then 1 s doubling
// to a cap, each randomised to 0.5–1.5× so that many clients cut off at once
// do not come back in step. It is reset only once a connection is healthy
// again (it stayed up, completed a resync or handed on new mail), never
// merely on a successful dial.
type backoff struct {
	mu     sync.Mutex
	n      int
	base   time.Duration
	cap    time.Duration
	jitter func() float64 // in [0,1)
}

func newBackoff(cap time.Duration) *backoff {
	return &backoff{base: time.Second, cap: cap, jitter: rand.Float64}
}

func (b *backoff) next() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.n
	b.n++
	if n == 0 {
		return 0
	}
	d := b.base
	for i := 1; i < n && d < b.cap; i++ {
		d *= 2
	}
	d = min(d, b.cap)
	return time.Duration(float64(d) * (0.5 + b.jitter()))
}

func (b *backoff) reset() {
	b.mu.Lock()
	b.n = 0
	b.mu.Unlock()
}

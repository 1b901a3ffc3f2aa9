package imapwatch

import (
	"context"
	"time"
)

// Clock is the time source for sleep detection; tests inject a fake one.
type Clock interface {
	// Now returns the wall clock (a suspended machine's wall clock jumps).
	Now() time.Time
	// After is a timer on the monotonic clock, which stands still while the
	// machine is suspended.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now().Round(0) }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// watchClock calls onJump when, between two ticks of every, the wall clock
// moved much more than every: the machine was asleep (or the clock was set).
// This works everywhere; logind's PrepareForSleep (wired by the app on
// Linux) is faster but needs the system bus. It returns when ctx is done.
func watchClock(ctx context.Context, clk Clock, every time.Duration, onJump func(gap time.Duration)) {
	slack := every/2 + 2*time.Second
	last := clk.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-clk.After(every):
		}
		now := clk.Now()
		if gap := now.Sub(last); gap > every+slack || gap < -slack {
			onJump(gap)
		}
		last = now
	}
}

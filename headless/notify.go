package headless

import (
	"log/slog"
	"sync"
	"time"

	"github.com/gen2brain/beeep"
)

// beeepNotifier shows bubbles through the desktop's notification service
// (D-Bus), or notify-send where that is missing.
type beeepNotifier struct{}

func (beeepNotifier) Notify(title, body string) error {
	beeep.AppName = "idlebell"
	return beeep.Notify(title, body, "mail-unread")
}

// maxPendingBubbles bounds the bubble queue: a desktop that stopped
// answering must not grow memory. Bubbles beyond it are dropped and
// counted; the JSON lines and hooks are never dropped.
const maxPendingBubbles = 100

// stopGrace bounds how long shutdown waits for a bubble being shown.
const stopGrace = 500 * time.Millisecond

// bubbler shows bubbles one at a time on its own goroutine, so a slow
// D-Bus never delays the JSON lines. Run owns it and stops it on return.
type bubbler struct {
	n      Notifier
	logger *slog.Logger
	mu     sync.Mutex
	queue  []bubble
	wake   chan struct{}
	quit   chan struct{}
	done   chan struct{}
}

type bubble struct{ title, body string }

func startBubbler(n Notifier, logger *slog.Logger) *bubbler {
	b := &bubbler{n: n, logger: logger, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	return b
}

// add queues a bubble; it never blocks.
func (b *bubbler) add(title, body string) {
	b.mu.Lock()
	if len(b.queue) >= maxPendingBubbles {
		b.mu.Unlock()
		b.logger.Warn("desktop notifications behind; bubble dropped", "title", title)
		return
	}
	b.queue = append(b.queue, bubble{title, body})
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// loop exits when stop is called, after the bubble it is showing.
func (b *bubbler) loop() {
	defer close(b.done)
	for {
		select {
		case <-b.quit:
			return
		case <-b.wake:
		}
		for {
			b.mu.Lock()
			if len(b.queue) == 0 {
				b.mu.Unlock()
				break
			}
			next := b.queue[0]
			b.queue = b.queue[1:]
			b.mu.Unlock()
			if err := b.n.Notify(next.title, next.body); err != nil {
				b.logger.Warn("desktop notification failed", "err", err)
			}
			select {
			case <-b.quit:
				return
			default:
			}
		}
	}
}

// stop ends the loop, waiting at most stopGrace for a Notify call in
// flight: a hung D-Bus must not hold up the exit (that goroutine then ends
// with the process).
func (b *bubbler) stop() {
	close(b.quit)
	select {
	case <-b.done:
	case <-time.After(stopGrace):
		b.logger.Warn("desktop notification still pending at exit")
	}
}

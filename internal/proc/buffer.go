package proc

import (
	"bytes"
	"sync"
)

// LimitedBuffer keeps the first Max bytes written to it and discards the
// rest, so a chatty or runaway command cannot fill memory. Writes never
// fail (the command must not get a broken pipe for talking too much). It
// is safe for concurrent use: stdout and stderr may share one.
type LimitedBuffer struct {
	Max int // bytes kept; the rest is counted as cut

	mu  sync.Mutex
	buf bytes.Buffer
	cut bool
}

// NewLimitedBuffer returns a buffer that keeps max bytes.
func NewLimitedBuffer(max int) *LimitedBuffer { return &LimitedBuffer{Max: max} }

func (l *LimitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	room := l.Max - l.buf.Len()
	if room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	if len(p) > room {
		l.cut = true
	}
	return len(p), nil
}

// String is what was kept.
func (l *LimitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Truncated reports whether more than Max bytes were written.
func (l *LimitedBuffer) Truncated() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut
}

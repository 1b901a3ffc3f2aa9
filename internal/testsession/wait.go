package testsession

import (
	"context"
	"errors"
	"time"
)

// pollUntil calls check until it returns nil or ctx is done, backing off from 5 ms to 200 ms.
// It returns check's last error, joined with ctx's.
func pollUntil(ctx context.Context, check func() error) error {
	delay := 5 * time.Millisecond
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		err := check()
		if err == nil {
			return nil
		}
		if errors.Is(err, errExited) {
			return err
		}
		t.Reset(delay)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, 200*time.Millisecond)
	}
}

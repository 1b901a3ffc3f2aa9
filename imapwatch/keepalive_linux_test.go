package imapwatch

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestKeepAliveConfigured: the socket carries our keep-alive settings, not
// the system's (2 h idle on Linux): a path whose packets vanish is replaced
// within 30 s + 4 × 15 s = 90 s.
func TestKeepAliveConfigured(t *testing.T) {
	srv := newDemoServer(t, demoOptions())
	_, cfg := srv.newUser(t)
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lk, err := dial(ctx, &cfg, dialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer lk.c.Close()
	raw, err := lk.lc.Conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{
		"SO_KEEPALIVE":  {syscall.SOL_SOCKET, syscall.SO_KEEPALIVE},
		"TCP_KEEPIDLE":  {syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE},
		"TCP_KEEPINTVL": {syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL},
		"TCP_KEEPCNT":   {syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT},
	}
	wantVal := map[string]int{"SO_KEEPALIVE": 1, "TCP_KEEPIDLE": 30, "TCP_KEEPINTVL": 15, "TCP_KEEPCNT": 4}
	raw.Control(func(fd uintptr) {
		for name, opt := range want {
			got, err := syscall.GetsockoptInt(int(fd), opt[0], opt[1])
			if err != nil {
				t.Errorf("getsockopt %s: %v", name, err)
				continue
			}
			if got != wantVal[name] {
				t.Errorf("getsockopt(%s) = %d, want %d", name, got, wantVal[name])
			}
		}
	})
}

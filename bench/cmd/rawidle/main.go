//go:build linux

// Command rawidle is the process-level baseline of idlebell's benchmarks: a
// plain go-imap IDLE client, one connection per user, as small as a new-mail
// watcher can be written with the library (no reconnects, no fetch, no
// state). Its memory, start-up and idle CPU sit beside the headless binary's
// in BENCHMARKS.md.
//
//	rawidle -addr 127.0.0.1:PORT -password PW USER...
//
// It prints "idle USER" once the server accepted IDLE and "exists USER N" on
// every EXISTS push, and runs until SIGTERM.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func main() {
	addr := flag.String("addr", "", "IMAP server host:port (plain)")
	password := flag.String("password", "", "password of every user")
	flag.Parse()
	var mu sync.Mutex
	var clients []*imapclient.Client
	var wg sync.WaitGroup
	errs := make(chan error, flag.NArg())
	for _, user := range flag.Args() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			handler := &imapclient.UnilateralDataHandler{
				Mailbox: func(d *imapclient.UnilateralDataMailbox) {
					if d.NumMessages != nil {
						fmt.Printf("exists %s %d\n", user, *d.NumMessages)
					}
				},
			}
			c, err := imapclient.DialInsecure(*addr, &imapclient.Options{UnilateralDataHandler: handler})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			clients = append(clients, c)
			mu.Unlock()
			if err := c.Login(user, *password).Wait(); err != nil {
				errs <- fmt.Errorf("login %s: %w", user, err)
				return
			}
			if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
				errs <- fmt.Errorf("select as %s: %w", user, err)
				return
			}
			if _, err := c.Idle(); err != nil {
				errs <- fmt.Errorf("idle as %s: %w", user, err)
				return
			}
			fmt.Printf("idle %s\n", user)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, "rawidle:", err)
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	for _, c := range clients {
		c.Close()
	}
}

// Command badimap serves one misbehaving IMAP account on a loopback port, to
// measure how idlebell copes (connections per minute, memory, time to give
// up): point a config at it and run idlebell --headless. On exit it prints
// how many connections it accepted, per minute.
//
//	badimap -listen 127.0.0.1:11143 -behaviour close-after-idle -for 60s
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"idlebell/internal/badimap"
)

var behaviours = map[string]func() badimap.Behaviour{
	"close-after-idle": badimap.CloseAfterIdle,
	"silent-login":     badimap.SilentLogin,
	"endless-line":     badimap.EndlessSubject,
	"huge-literal":     func() badimap.Behaviour { return badimap.HugeLiteral("BODY[TEXT]<0>") },
	"huge-literal-env": func() badimap.Behaviour { return badimap.HugeLiteral("ENVELOPE") },
	"echo-login":       badimap.EchoLogin,
	"cut-fetch":        func() badimap.Behaviour { return badimap.CutFetch(20, 30, 150, 300, 450, 600, 90, 520) },
	"cut-every-fetch":  func() badimap.Behaviour { return badimap.CutFetch(0, 30, 150, 300, 450, 600, 90, 520) },
	"none":             func() badimap.Behaviour { return badimap.Behaviour{Name: "none"} },
}

func main() {
	listen := flag.String("listen", "127.0.0.1:11143", "address to serve on (loopback)")
	name := flag.String("behaviour", "close-after-idle", "how to misbehave: "+names())
	user := flag.String("user", "alice", "the account's user name")
	pass := flag.String("pass", "secret", "the account's password")
	deliver := flag.Int("deliver", 0, "deliver this many mails after -deliver-after")
	after := flag.Duration("deliver-after", 3*time.Second, "when to deliver")
	dur := flag.Duration("for", 0, "stop after this long (0: until interrupted)")
	flag.Parse()
	mk, ok := behaviours[*name]
	if !ok {
		log.Fatalf("unknown behaviour %q; one of %s", *name, names())
	}
	s, err := badimap.Start(badimap.Options{Listen: *listen}, mk())
	if err != nil {
		log.Fatal(err)
	}
	if err := s.AddUser(*user, *pass); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "badimap: %s on %s (user %s)\n", *name, s.Addr, *user)
	start := time.Now()
	if *deliver > 0 {
		time.AfterFunc(*after, func() {
			for i := range *deliver {
				msg := fmt.Sprintf("From: Bob <bob@example.org>\r\nTo: %s@example.org\r\nSubject: mail %d\r\nMessage-ID: <m%d.%d@example.org>\r\n\r\nHello %d.\r\n", *user, i, i, start.UnixNano(), i)
				if _, err := s.Append(*user, "INBOX", []byte(msg)); err != nil {
					log.Print(err)
				}
			}
		})
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	var timeout <-chan time.Time
	if *dur > 0 {
		timeout = time.After(*dur)
	}
	select {
	case <-stop:
	case <-timeout:
	}
	conns := s.Conns()
	s.Close()
	perMinute := map[int]int{}
	for _, c := range conns {
		perMinute[int(c.Sub(start)/time.Minute)]++
	}
	fmt.Printf("connections: %d in %s\n", len(conns), time.Since(start).Round(time.Second))
	var minutes []int
	for m := range perMinute {
		minutes = append(minutes, m)
	}
	sort.Ints(minutes)
	for _, m := range minutes {
		fmt.Printf("minute %d: %d connections\n", m+1, perMinute[m])
	}
}

func names() string {
	var n []string
	for k := range behaviours {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

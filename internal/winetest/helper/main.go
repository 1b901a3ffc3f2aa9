//go:build windows

// Command helper is a small Windows program the Wine tests (make
// test-windows) start from idlebell's hooks and password_command, and to
// set up the Credential Manager:
//
//	helper record FILE            append $IDLEBELL_SUBJECT and a newline to FILE
//	helper printenv NAME          print $NAME and a newline
//	helper hang PIDFILE TOKEN     write the pid to PIDFILE, then wait forever
//	helper spawn PIDFILE TOKEN    start `helper hang PIDFILE TOKEN`, then wait forever
//	helper credwrite TARGET USER PASSWORD
//	                              store a generic credential whose blob is the
//	                              password in UTF-16LE, as cmdkey does
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/danieljoos/wincred"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no mode")
	}
	switch mode, rest := args[0], args[1:]; {
	case mode == "record" && len(rest) == 1:
		f, err := os.OpenFile(rest[0], os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(os.Getenv("IDLEBELL_SUBJECT") + "\n"); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case mode == "printenv" && len(rest) == 1:
		fmt.Println(os.Getenv(rest[0]))
		return nil
	case mode == "hang" && len(rest) == 2:
		if err := os.WriteFile(rest[0], []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
			return err
		}
		waitForever()
	case mode == "spawn" && len(rest) == 2:
		self, err := os.Executable()
		if err != nil {
			return err
		}
		if err := exec.Command(self, "hang", rest[0], rest[1]).Start(); err != nil {
			return err
		}
		waitForever()
	case mode == "credwrite" && len(rest) == 3:
		u := utf16.Encode([]rune(rest[2]))
		blob := make([]byte, 0, 2*len(u))
		for _, c := range u {
			blob = append(blob, byte(c), byte(c>>8))
		}
		cred := wincred.NewGenericCredential(rest[0])
		cred.UserName = rest[1]
		cred.CredentialBlob = blob
		return cred.Write()
	}
	return fmt.Errorf("bad arguments %q", args)
}

// waitForever sleeps until the process is killed (a bare select{} would
// be reported as a deadlock).
func waitForever() {
	for {
		time.Sleep(time.Hour)
	}
}

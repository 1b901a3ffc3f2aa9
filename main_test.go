package main

import (
	"os"
	"testing"
	"time"
)

// TestMain lets the root package's end-to-end tests run the real app as a
// child process: they re-exec this test binary with IDLEBELL_E2E_CHILD=1 and
// the app's arguments, which is the built binary's code path without a
// second build. Shared by the tray and the headless end-to-end tests.
func TestMain(m *testing.M) {
	if os.Getenv("IDLEBELL_E2E_CHILD") == "1" {
		// A shorter attention threshold, so that a test of it waits seconds.
		var ro runOptions
		if d, err := time.ParseDuration(os.Getenv("IDLEBELL_E2E_ATTENTION_AFTER")); err == nil {
			ro.attentionAfter = d
		}
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, ro))
	}
	os.Exit(m.Run())
}

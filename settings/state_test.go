package settings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func openTestState(t *testing.T, path string, logger *slog.Logger) *State {
	t.Helper()
	s, err := OpenState(path, logger)
	if err != nil {
		t.Fatalf("OpenState(%s) = %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "idlebell", "state.json")
	s := openTestState(t, path, nil)
	if _, _, ok := s.Load("Work", "INBOX"); ok {
		t.Errorf("Load on a new state: ok = true, want false")
	}
	s.Save("Work", "INBOX", 7, 100)
	s.Save("Work", "Lists", 8, 3)
	s.Save("Home", "INBOX", 9, 1)
	s.Save("Work", "INBOX", 7, 101)
	before := time.Now().UTC()
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	checkMode(t, path, 0o600)
	s.Save("Work", "INBOX", 7, 999) // ignored after Close

	s2 := openTestState(t, path, nil)
	for _, tc := range []struct {
		account, mailbox string
		v, n             uint32
	}{{"Work", "INBOX", 7, 101}, {"Work", "Lists", 8, 3}, {"Home", "INBOX", 9, 1}} {
		v, n, ok := s2.Load(tc.account, tc.mailbox)
		if !ok || v != tc.v || n != tc.n {
			t.Errorf("Load(%s, %s) = %d, %d, %v, want %d, %d, true", tc.account, tc.mailbox, v, n, ok, tc.v, tc.n)
		}
	}
	if ls := s2.LastSuccess("Work", "INBOX"); ls.IsZero() || ls.After(before) {
		t.Errorf("LastSuccess = %v, want a time before %v", ls, before)
	}
	if aside := corruptCopies(t, path); len(aside) != 0 {
		t.Errorf("a good state file was moved aside: %q", aside)
	}
}

func TestStateForgetAndRename(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := openTestState(t, path, nil)
	s.Save("A", "INBOX", 1, 10)
	s.Save("B", "INBOX", 2, 20)
	s.Forget("A")
	s.Rename("B", "C")
	s.Close()
	s2 := openTestState(t, path, nil)
	if _, _, ok := s2.Load("A", "INBOX"); ok {
		t.Errorf("Load(A) after Forget: ok = true")
	}
	if _, _, ok := s2.Load("B", "INBOX"); ok {
		t.Errorf("Load(B) after Rename: ok = true")
	}
	if v, n, ok := s2.Load("C", "INBOX"); !ok || v != 2 || n != 20 {
		t.Errorf("Load(C) = %d, %d, %v, want 2, 20, true", v, n, ok)
	}
}

// TestStateCoalesces: a burst of saves is one write, the rest waits for the
// interval or Close.
func TestStateCoalesces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := newState(path, nil)
	wrote := make(chan struct{}, 100)
	s.interval, s.maxChanges = time.Hour, 1<<30
	s.wrote = func() { wrote <- struct{}{} }
	go s.run()

	s.Save("A", "INBOX", 1, 1)
	select {
	case <-wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("first Save was not written within 10s")
	}
	for i := range 1000 {
		s.Save("A", "INBOX", 1, uint32(i+2))
	}
	if len(wrote) != 0 {
		t.Errorf("writes during the coalescing window = %d, want 0", len(wrote))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(wrote) != 1 {
		t.Errorf("writes at Close = %d, want 1", len(wrote))
	}
	var f stateFile
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &f); err != nil || f.Accounts["A"]["INBOX"].NextUID != 1001 {
		t.Errorf("state file after Close = %s (%v), want next_uid 1001", data, err)
	}
}

func TestStateWritesWithinInterval(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := newState(path, nil)
	wrote := make(chan struct{}, 100)
	s.interval = 50 * time.Millisecond
	s.wrote = func() { wrote <- struct{}{} }
	go s.run()
	t.Cleanup(func() { s.Close() })
	s.Save("A", "INBOX", 1, 1)
	<-wrote
	s.Save("A", "INBOX", 1, 2) // inside the window: written when it ends, without Close
	select {
	case <-wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("second Save was not written within 10s")
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"next_uid": 2`) {
		t.Errorf("state file = %s, want next_uid 2", data)
	}
}

// TestStateWritesSoon: a change that follows a write is written within
// 100 ms of it, not a second later: a kill -9 in a burst of mail repeats
// what was delivered since the last write.
func TestStateWritesSoon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := newState(path, nil)
	wrote := make(chan struct{}, 100)
	waits := make(chan time.Duration, 1)
	fire := make(chan time.Time)
	s.wrote = func() { wrote <- struct{}{} }
	s.after = func(d time.Duration) <-chan time.Time { waits <- d; return fire }
	go s.run()
	t.Cleanup(func() { s.Close() })
	s.Save("A", "INBOX", 1, 1)
	<-wrote
	s.Save("A", "INBOX", 1, 2)
	select {
	case d := <-waits:
		if d > 100*time.Millisecond {
			t.Errorf("the writer waits %s after a write, want at most 100ms", d)
		}
		fire <- time.Now()
		<-wrote
	case <-wrote: // a slow machine: the window had passed already
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"next_uid": 2`) {
		t.Errorf("state file = %s, want next_uid 2", data)
	}
}

// TestStateWritesAfterManyChanges: a burst of changes (a burst of mail,
// written in a few milliseconds) is written once stateWriteChanges of them
// wait, without waiting for the rest of the interval.
func TestStateWritesAfterManyChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := newState(path, nil)
	wrote := make(chan struct{}, 100)
	s.interval = time.Hour
	s.wrote = func() { wrote <- struct{}{} }
	go s.run()
	t.Cleanup(func() { s.Close() })
	s.Save("A", "INBOX", 1, 1)
	<-wrote
	for i := range stateWriteChanges {
		s.Save("A", "INBOX", 1, uint32(i+2))
	}
	select {
	case <-wrote:
	case <-time.After(10 * time.Second):
		t.Fatalf("%d changes were not written within 10s (the interval is an hour)", stateWriteChanges)
	}
	data, _ := os.ReadFile(path)
	if want := fmt.Sprintf(`"next_uid": %d`, stateWriteChanges+1); !strings.Contains(string(data), want) {
		t.Errorf("state file = %s, want %s", data, want)
	}
}

func TestStateCorrupt(t *testing.T) {
	tests := map[string]func(path string) error{
		"truncated json": func(p string) error { return os.WriteFile(p, []byte(`{"version":1,"accounts":{"A":{"INB`), 0o600) },
		"binary junk":    func(p string) error { return os.WriteFile(p, []byte("\x00\xff\x89PNG\r\n"), 0o600) },
		"wrong type": func(p string) error {
			return os.WriteFile(p, []byte(`{"version":1,"accounts":{"A":{"INBOX":{"next_uid":"x"}}}}`), 0o600)
		},
		"wrong version": func(p string) error { return os.WriteFile(p, []byte(`{"version":7}`), 0o600) },
		"unreadable":    func(p string) error { return os.Mkdir(p, 0o700) }, // a directory cannot be read as a file
	}
	for name, setup := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.json")
			if err := setup(path); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			s := openTestState(t, path, slog.New(slog.NewTextHandler(&logs, nil)))
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "moved_to=") ||
				!strings.Contains(logs.String(), "may not be announced") {
				t.Errorf("log = %q, want an error naming where the file went and that mail may be missed", logs.String())
			}
			if !s.Damaged("A", "INBOX") {
				t.Errorf("Damaged(A, INBOX) = false, want true")
			}
			if matches := corruptCopies(t, path); len(matches) != 1 {
				t.Errorf("corrupt copies = %q, want 1", matches)
			}
			if _, _, ok := s.Load("A", "INBOX"); ok {
				t.Errorf("Load on a corrupt state: ok = true, want false")
			}
			s.Save("A", "INBOX", 1, 5)
			if err := s.Close(); err != nil {
				t.Fatalf("Close() = %v", err)
			}
			openTestState(t, path, nil)
			if matches := corruptCopies(t, path); len(matches) != 1 {
				t.Errorf("reopen after re-baseline: corrupt copies = %q, want still 1", matches)
			}
		})
	}
}

// TestStateJunkAfterWholeFile: a state file whose every entry reads whole
// (junk after its end, as a write gone wrong leaves) lost nothing: it is
// moved aside with a warning that every mailbox was recovered, no error
// says mail may have been missed, and no mailbox, not even one the file
// never had, counts as damaged.
func TestStateJunkAfterWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := openTestState(t, path, nil)
	s.Save("A", "INBOX", 7, 40)
	s.Save("A", "Lists", 8, 12)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("garbage\n")
	f.Close()
	var logs bytes.Buffer
	s = openTestState(t, path, slog.New(slog.NewTextHandler(&logs, nil)))
	if l := logs.String(); strings.Contains(l, "level=ERROR") || strings.Contains(l, "may not be announced") ||
		!strings.Contains(l, "level=WARN") || !strings.Contains(l, "every mailbox's state recovered") ||
		!strings.Contains(l, "mailboxes_recovered=2") || !strings.Contains(l, "moved_to=") {
		t.Errorf("log = %q, want one warning that every mailbox was recovered and where the file went, no error", l)
	}
	for mbox, want := range map[string]uint32{"INBOX": 40, "Lists": 12} {
		if _, n, ok := s.Load("A", mbox); !ok || n != want {
			t.Errorf("Load(A, %s) = %d, %v; want %d, true", mbox, n, ok, want)
		}
	}
	for _, mbox := range []string{"INBOX", "Lists", "New"} {
		if s.Damaged("A", mbox) {
			t.Errorf("Damaged(A, %s) = true, want false: nothing was lost", mbox)
		}
	}
	if matches := corruptCopies(t, path); len(matches) != 1 {
		t.Errorf("corrupt copies = %q, want 1", matches)
	}
}

// TestStateSalvage: of a state file cut short or partly broken, the
// mailboxes whose entries are whole and sound keep their watermarks (and
// catch up on the mail that came while idlebell was stopped); Damaged names
// the others. The file is moved aside all the same.
func TestStateSalvage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	s := openTestState(t, path, nil)
	s.Save("A", "INBOX", 7, 40)
	s.Announce("A", "INBOX", 99)
	s.Save("A", "Lists", 8, 12)
	s.Save("B", "INBOX", 9, 5)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := func(after string) []byte { // the file up to and with after's entry
		i := bytes.Index(whole, []byte(after))
		j := bytes.Index(whole[i:], []byte("}"))
		return whole[:i+j+1+5]
	}
	tests := []struct {
		name string
		data []byte
		want map[string]uint32 // account/mailbox: next UID; absent: lost
	}{
		{"cut after the first entry", cut(`"INBOX"`), map[string]uint32{"A/INBOX": 40}},
		{"cut after two entries", cut(`"Lists"`), map[string]uint32{"A/INBOX": 40, "A/Lists": 12}},
		{"cut in the version", whole[:8], map[string]uint32{}},
		{"a broken entry among whole ones", bytes.Replace(whole, []byte(`"next_uid": 12`), []byte(`"next_uid": "x"`), 1),
			map[string]uint32{"A/INBOX": 40, "B/INBOX": 5}},
		{"another version", bytes.Replace(whole, []byte(`"version": 1`), []byte(`"version": 2`), 1), map[string]uint32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			s := openTestState(t, path, nil)
			for _, k := range []string{"A/INBOX", "A/Lists", "B/INBOX"} {
				acct, mbox, _ := strings.Cut(k, "/")
				_, n, ok := s.Load(acct, mbox)
				want, kept := tt.want[k]
				if ok != kept || n != want {
					t.Errorf("Load(%s) = %d, %v; want %d, %v", k, n, ok, want, kept)
				}
				if s.Damaged(acct, mbox) == kept {
					t.Errorf("Damaged(%s) = %v, want %v", k, !kept, !kept)
				}
			}
			if _, ok := tt.want["A/INBOX"]; ok && len(s.Announced("A", "INBOX")) != 1 {
				t.Errorf("Announced(A, INBOX) = %v, want the one key", s.Announced("A", "INBOX"))
			}
			if matches := corruptCopies(t, path); len(matches) != 1 {
				t.Errorf("corrupt copies = %q, want 1", matches)
			}
		})
	}
	if s := openTestState(t, path, nil); s.Damaged("A", "INBOX") || s.Damaged("C", "INBOX") {
		t.Errorf("Damaged on a sound file = true, want false")
	}
}

func TestStateConcurrent(t *testing.T) {
	s := openTestState(t, filepath.Join(t.TempDir(), "state.json"), nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				acct := "acct" + strconv.Itoa(g)
				s.Save(acct, "INBOX", 1, uint32(i))
				s.Load(acct, "INBOX")
				if i%50 == 0 {
					s.Forget(acct)
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// childStateLoop saves ever-growing watermarks quickly until it is killed.
func childStateLoop(path string) error {
	s := newState(path, nil)
	s.interval = time.Millisecond
	go s.run()
	for i := uint32(1); ; i++ {
		s.Save("A", "INBOX", 1, i)
		if i%100 == 0 {
			fmt.Println("saved", i)
		}
	}
}

// TestStateSurvivesKill: a state file written by a killed process is whole.
func TestStateSurvivesKill(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL")
	}
	path := filepath.Join(t.TempDir(), "state.json")
	for round := range 5 {
		cmd, out := startChild(t, "state-loop", "IDLEBELL_SETTINGS_PATH="+path)
		readLines(t, out, 5+round*5)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		s, err := OpenState(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if aside := corruptCopies(t, path); len(aside) != 0 {
			t.Fatalf("round %d: state after SIGKILL was corrupt and moved aside: %q", round, aside)
		}
		s.Close()
	}
}

// TestStateTooLarge: a state file over the cap is not read whole: it is
// treated as corrupt and moved aside, even when it is valid JSON.
func TestStateTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	pad := strings.Repeat("x", maxStateSize)
	data := `{"version":1,"accounts":{"A":{"INBOX":{"uid_validity":1,"next_uid":5}}},"pad":"` + pad + `"}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openTestState(t, path, nil)
	if aside := corruptCopies(t, path); len(aside) != 1 {
		t.Errorf("corrupt copies of an oversized state file = %q, want 1", aside)
	}
	if _, _, ok := s.Load("A", "INBOX"); ok {
		t.Errorf("Load from an oversized state file: ok = true, want false")
	}
	if matches, _ := filepath.Glob(path + ".corrupt-*"); len(matches) != 1 {
		t.Errorf("moved-aside copies = %q, want 1", matches)
	}
}

// TestStateAnnounced: the announced-message keys survive a restart and a
// UIDVALIDITY change, and stay bounded.
func TestStateAnnounced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := openTestState(t, path, nil)
	s.Save("A", "INBOX", 7, 10)
	for k := range uint64(MaxAnnounced + 500) {
		s.Announce("A", "INBOX", k+1)
	}
	s.Save("A", "INBOX", 8, 1) // a new UIDVALIDITY keeps the keys
	s.Close()

	s2 := openTestState(t, path, nil)
	got := s2.Announced("A", "INBOX")
	if len(got) > MaxAnnounced || len(got) < MaxAnnounced*9/10 {
		t.Fatalf("Announced = %d keys, want between %d and %d", len(got), MaxAnnounced*9/10, MaxAnnounced)
	}
	if last := got[len(got)-1]; last != MaxAnnounced+500 {
		t.Errorf("newest key = %d, want %d", last, MaxAnnounced+500)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("keys not the newest in order: %d after %d", got[i], got[i-1])
		}
	}
	if v, n, ok := s2.Load("A", "INBOX"); !ok || v != 8 || n != 1 {
		t.Errorf("Load = %d, %d, %v, want 8, 1, true", v, n, ok)
	}
}

// corruptCopies are the state files moved aside as unusable.
func corruptCopies(t *testing.T, path string) []string {
	t.Helper()
	matches, err := filepath.Glob(path + ".corrupt-*")
	if err != nil {
		t.Fatal(err)
	}
	return matches
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"idlebell/bench"
)

// tray measures the tray app's memory idling with one account, under the
// desktop session's Xvfb (bin/testsession -desktop), beside the headless
// binary with the same account.
func tray(e *env, r *report) error {
	t := &bench.Table{Title: "Memory: tray app idling, 1 account (Xvfb)", Header: []string{"Process", "RSS", "anonymous / file-backed", "PSS", "peak (VmHWM)", "vs headless"}}
	if !e.desktop {
		t.Note("Not measured: no desktop session. `make bench` starts one (bin/testsession -desktop); run idlebench under it.")
		r.add(t)
		return nil
	}
	s, err := startBenchServer(e)
	if err != nil {
		return err
	}
	defer s.stop()
	head, err := startHeadless(e, s, 1)
	if err != nil {
		return err
	}
	defer head.stop()
	full, err := startHeadlessBin(e, s, 1, e.flags.bin, "f")
	if err != nil {
		return err
	}
	defer full.stop()

	user := e.user("tray")
	host, port := splitAddr(s.addr)
	dir := filepath.Join(e.dir, "tray")
	cfg := filepath.Join(dir, "config", "idlebell", "config.toml")
	if err := bench.WriteConfig(cfg, []bench.Account{{Name: "Tray", Host: host, Port: port, Security: "none", User: user, Password: e.password}}); err != nil {
		return err
	}
	cmd := exec.Command(e.flags.bin, "--config", cfg)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_STATE_HOME="+filepath.Join(dir, "state"))
	p, err := bench.StartProc("idlebell (tray)", cmd, 1024, nil)
	if err != nil {
		return err
	}
	go func() {
		for range p.Lines {
		}
	}()
	defer p.Stop(10 * time.Second)
	last, err := s.waitIdle([]string{user}, time.Minute, p, nil)
	if err != nil {
		return err
	}
	tm := &measuredProc{proc: p, startup: last.Sub(p.Started)}
	logf("tray: idle after %v; 10 s window", tm.startup.Round(time.Millisecond))
	if err := window(10*time.Second, tm, head, full); err != nil {
		return err
	}
	t.Add("idlebell (tray app)", mb(tm.mem.RSS), mb(tm.mem.Anon)+" / "+mb(tm.mem.File), mb(tm.mem.Pss), mb(tm.mem.Peak), bench.Ratio(float64(tm.mem.RSS), float64(head.mem.RSS)))
	t.Add("bin/idlebell --headless (the tray app's build)", mb(full.mem.RSS), mb(full.mem.Anon)+" / "+mb(full.mem.File), mb(full.mem.Pss), mb(full.mem.Peak), bench.Ratio(float64(full.mem.RSS), float64(head.mem.RSS)))
	t.Add("bin/idlebell-headless --headless (-tags nogui)", mb(head.mem.RSS), mb(head.mem.Anon)+" / "+mb(head.mem.File), mb(head.mem.Pss), mb(head.mem.Peak), "×1.00")
	t.Note("The tray app under bin/testsession -desktop: Xvfb with Mesa's software GL, a private D-Bus with dunst and a StatusNotifier watcher. "+
		"VmRSS at the end of a 10 s window after the server saw the account's IDLE (start to IDLE: %s ms); no window was opened. "+
		"The accounts are on bin/benchserver; their passwords come from password_command, so the keyring is not used.", bench.F(bench.Ms(tm.startup), 0))
	r.add(t)
	r.goal("Tray app RSS idle, 1 account (Xvfb)", "≤ 100 MB", mb(tm.mem.RSS), tm.mem.RSS <= 100<<20)
	return nil
}

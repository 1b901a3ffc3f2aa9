//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"idlebell/bench"
)

// tray measures the tray process idling with one account, under the
// desktop session's Xvfb (bin/testsession -desktop), beside the headless
// binaries with the same account: CPU per minute over -tray-window (5 min)
// and memory at its end.
func tray(e *env, r *report) error {
	t := &bench.Table{Title: "Tray process idling, 1 account (Xvfb)", Header: []string{"Process", "CPU, ms per minute", "(clock ticks)", "RSS", "anonymous / file-backed", "PSS", "peak (VmHWM)", "RSS vs headless"}}
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
	win := e.flags.trayWindow
	logf("tray: idle after %v; %v window", tm.startup.Round(time.Millisecond), win)
	if err := window(win, tm, head, full); err != nil {
		return err
	}
	row := func(name string, p *measuredProc, ratio string) float64 {
		ms, ticks := perMinute(p.cpu, p.window)
		t.Add(name, bench.F(ms, 2), bench.F(ticks, 0), mb(p.mem.RSS), mb(p.mem.Anon)+" / "+mb(p.mem.File), mb(p.mem.Pss), mb(p.mem.Peak), ratio)
		return ms
	}
	trayCPU := row("idlebell (the tray process)", tm, bench.Ratio(float64(tm.mem.RSS), float64(head.mem.RSS)))
	row("bin/idlebell --headless (the same build)", full, bench.Ratio(float64(full.mem.RSS), float64(head.mem.RSS)))
	row("bin/idlebell-headless --headless (-tags nogui)", head, "×1.00")
	maps, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", p.PID()))
	gl := "no Mesa driver mapped"
	for _, lib := range []string{"_dri.so", "libgallium", "swrast", "libGLX_mesa"} {
		if bytes.Contains(maps, []byte(lib)) {
			gl = "Mesa mapped (" + lib + "): it holds a GL context"
			break
		}
	}
	t.Note("The tray process under bin/testsession -desktop: Xvfb with Mesa's software GL, a private D-Bus with dunst and a StatusNotifier watcher; %s. "+
		"CPU over a %v window that starts once the server saw the account's IDLE (start to IDLE: %s ms), the sum of the threads' schedstat, scaled to a minute; "+
		"memory (VmRSS, PSS from smaps_rollup) at its end. No window was opened: the settings window is a process of its own, started on demand. "+
		"The accounts are on bin/benchserver; their passwords come from password_command, so the keyring is not used.", gl, win, bench.F(bench.Ms(tm.startup), 0))
	r.add(t)
	r.goal("Tray process idle CPU, 1 account (Xvfb)", "≤ 10 ms per minute", bench.F(trayCPU, 2)+" ms/min", trayCPU <= 10)
	r.goal("Tray process RSS idle, 1 account (Xvfb)", "≤ 30 MB", mb(tm.mem.RSS), tm.mem.RSS <= 30<<20)
	return nil
}

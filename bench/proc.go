//go:build linux

package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Mem is a process's resident memory, from /proc/PID/status.
type Mem struct {
	RSS  int64 // VmRSS, bytes: resident now
	Peak int64 // VmHWM, bytes: the most that was ever resident
	Anon int64 // RssAnon: heap, stacks (the process's own data)
	File int64 // RssFile: mapped files (the binary, shared libraries)
	// Pss is the proportional share (smaps_rollup): shared library pages
	// count divided by the processes that map them.
	Pss int64
}

// ReadMem reads VmRSS and VmHWM of pid.
func ReadMem(pid int) (Mem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Mem{}, err
	}
	var m Mem
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = kb << 10
		case "VmHWM:":
			m.Peak = kb << 10
		case "RssAnon:":
			m.Anon = kb << 10
		case "RssFile:":
			m.File = kb << 10
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.Pss = kb << 10
			}
		}
	}
	return m, nil
}

// CPU is the CPU time a process used so far.
type CPU struct {
	// Sched is the sum of the threads' on-CPU time from
	// /proc/PID/task/*/schedstat: nanosecond resolution, but the time of
	// threads that already exited is missing (Go rarely ends threads).
	Sched time.Duration
	// Ticks is utime+stime from /proc/PID/stat: whole process, in clock
	// ticks of 10 ms.
	Ticks time.Duration
}

// clockTick is USER_HZ; 100 on every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// ReadCPU reads the CPU time pid used so far.
func ReadCPU(pid int) (CPU, error) {
	var c CPU
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return c, err
	}
	// Fields after the command name, which is in parentheses and may
	// contain spaces: utime and stime are fields 14 and 15 overall.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return c, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	c.Ticks = time.Duration(ut+st) * clockTick
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread exited meanwhile
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			c.Sched += time.Duration(ns)
		}
	}
	return c, nil
}

// Sub is the CPU time used between o and c.
func (c CPU) Sub(o CPU) CPU { return CPU{Sched: c.Sched - o.Sched, Ticks: c.Ticks - o.Ticks} }

// Machine describes where the benchmark ran, for the report's header.
func Machine() (cpu string, cores int) {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok && cpu == "" {
				cpu = strings.TrimSpace(v)
			}
		}
		if strings.HasPrefix(line, "processor") {
			cores++
		}
	}
	return cpu, cores
}

//go:build windows

package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

func plan(line string, shell Shell) (Plan, error) {
	return PlanWindows(line, shell, WinEnv{
		ComSpec:    os.Getenv("ComSpec"),
		SystemRoot: os.Getenv("SystemRoot"),
		LookPath:   exec.LookPath,
	})
}

// tree is the command's Job Object. The job is created with
// JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: when its last handle closes — idlebell
// exits, even by a crash — every process in it ends. Children join their
// parent's job by themselves.
type tree struct {
	job windows.Handle // 0 for a detached command
}

// prepare sets the raw command line (never Go's argument escaping, which
// cmd.exe does not understand) and, with kill, creates the job and asks for
// the process to start suspended, so that it joins the job before it can
// start a child. No console window opens for the command.
func (t *tree) prepare(cmd *exec.Cmd, p Plan, kill bool) error {
	attr := &syscall.SysProcAttr{CmdLine: p.CmdLine, CreationFlags: windows.CREATE_NO_WINDOW}
	cmd.SysProcAttr = attr
	if !kill {
		attr.CreationFlags |= windows.CREATE_NEW_PROCESS_GROUP
		return nil
	}
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return fmt.Errorf("create a job object: %w", err)
	}
	if err := setKillOnClose(job, true); err != nil {
		windows.CloseHandle(job)
		return fmt.Errorf("set up a job object: %w", err)
	}
	t.job = job
	attr.CreationFlags |= windows.CREATE_SUSPENDED
	cmd.Cancel = func() error {
		// The job holds the tree once started() ran; the process alone
		// before that (it is still suspended then).
		jerr := windows.TerminateJobObject(job, 1)
		kerr := cmd.Process.Kill()
		if jerr == nil || kerr == nil {
			return nil
		}
		return kerr
	}
	return nil
}

// started puts the suspended process in the job and resumes it. When the
// job cannot take it (a Windows that forbids nested jobs), the command
// still runs and a timeout kills the process alone.
func (t *tree) started(cmd *exec.Cmd) error {
	if t.job == 0 {
		return nil
	}
	pid := uint32(cmd.Process.Pid)
	if h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, pid); err == nil {
		_ = windows.AssignProcessToJobObject(t.job, h)
		windows.CloseHandle(h)
	}
	return resume(pid)
}

// release lets what the command left behind live on, as on Unix, and
// closes the job. After a kill the job is empty already.
func (t *tree) release() {
	if t.job == 0 {
		return
	}
	_ = setKillOnClose(t.job, false)
	windows.CloseHandle(t.job)
	t.job = 0
}

func setKillOnClose(job windows.Handle, on bool) error {
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	if on {
		info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	}
	_, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)))
	return err
}

// resume resumes the threads of a process created suspended (its one main
// thread). os/exec keeps no thread handle, so the thread is found by a
// snapshot.
func resume(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("resume the started process: %w", err)
	}
	defer windows.CloseHandle(snap)
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		h, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("resume the started process: %w", err)
		}
		_, err = windows.ResumeThread(h)
		windows.CloseHandle(h)
		if err != nil {
			return fmt.Errorf("resume the started process: %w", err)
		}
		resumed++
	}
	if resumed == 0 {
		return errors.New("resume the started process: it has no thread")
	}
	return nil
}

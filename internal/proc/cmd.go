package proc

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// WaitDelay is how long Wait keeps reading output after the program exited
// or was killed: a background child that still holds the output pipe
// (`notify-send … &`) must not keep the caller waiting.
const WaitDelay = time.Second

// Cmd is one command line, started with its process tree tied to a
// context. Set Env, Dir, Stdin, Stdout and Stderr on the embedded exec.Cmd
// before Start; Start, Wait and Run are Cmd's own (never call the embedded
// ones: they would skip the tree's setup and release).
type Cmd struct {
	*exec.Cmd
	tree tree
}

// Command prepares line to run under shell. When ctx is done before the
// command exits, its whole process tree is killed: on Unix its process
// group (SIGKILL), on Windows its Job Object, which also dies with
// idlebell. Processes the command leaves behind after exiting by itself
// keep running, as on Unix. Errors come from the builders (ErrEmpty,
// ErrMultiLine, a program not found on Windows) or from setting up the
// Job Object; they never quote the line, which may hold a secret.
func Command(ctx context.Context, line string, shell Shell) (*Cmd, error) {
	p, err := plan(line, shell)
	if err != nil {
		return nil, err
	}
	c := &Cmd{Cmd: exec.CommandContext(ctx, p.Path)}
	c.Args = p.Args
	c.WaitDelay = WaitDelay
	if err := c.tree.prepare(c.Cmd, p, true); err != nil {
		return nil, err
	}
	return c, nil
}

// Detached prepares line to run on its own: not tied to a context, not
// killed when idlebell exits, in a process group of its own so a Ctrl+C
// in idlebell's terminal does not reach it. For the mail client a click
// opens. The caller still Waits for it (on Unix, to reap it).
func Detached(line string, shell Shell) (*Cmd, error) {
	p, err := plan(line, shell)
	if err != nil {
		return nil, err
	}
	c := &Cmd{Cmd: exec.Command(p.Path)}
	c.Args = p.Args
	if err := c.tree.prepare(c.Cmd, p, false); err != nil {
		return nil, err
	}
	return c, nil
}

// Opener prepares target (a URL such as "mailto:") to be opened by the
// desktop's default handler (see PlanOpen), detached as Detached is. The
// opener itself returns quickly; the caller Waits for it.
func Opener(target string) (*Cmd, error) {
	p := PlanOpen(runtime.GOOS, target, os.Getenv("SystemRoot"))
	c := &Cmd{Cmd: exec.Command(p.Path)}
	c.Args = p.Args
	if err := c.tree.prepare(c.Cmd, p, false); err != nil {
		return nil, err
	}
	return c, nil
}

// Start starts the command. On Windows the process is created suspended,
// put in its Job Object and only then resumed, so not even its first child
// escapes the tree. After an error, nothing is left running.
func (c *Cmd) Start() error {
	if err := c.Cmd.Start(); err != nil {
		c.tree.release()
		return err
	}
	if err := c.tree.started(c.Cmd); err != nil {
		_ = c.Process.Kill()
		_ = c.Cmd.Wait()
		c.tree.release()
		return err
	}
	return nil
}

// Wait waits for the command as exec.Cmd.Wait does and then releases the
// tree: what the command left running keeps running.
func (c *Cmd) Wait() error {
	err := c.Cmd.Wait()
	c.tree.release()
	return err
}

// Run starts the command and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

package fail2ban

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Client asks a fail2ban server for its jails' counters by running its own
// client, fail2ban-client, with a deadline.
//
// Why not the server socket: fail2ban's socket protocol is Python pickle
// (fail2ban/server/asyncserver.py sends pickle.dumps(reply,
// HIGHEST_PROTOCOL), whose opcodes change with the Python version), and
// replies may hold fail2ban's own classes; fail2ban-client is the supported
// interface and its output is stable text. Why not one fail2ban-client per
// command, as seed 004 does: each run starts a Python interpreter (≈50 ms of
// CPU), so 1 + N runs per scrape for N jails. Instead one interactive session
// (`fail2ban-client -s <socket> -i status`) prints the jail list, then reads
// `status <jail> short` for each jail and `exit` from its standard input: one
// process per scrape whatever the number of jails. The "short" flavor leaves
// out the banned-IP list, so the output stays small however many IPs are
// banned.
type Client struct {
	// Path is the fail2ban-client program (a name on PATH or a path).
	Path string
	// Socket is the server's socket (-s).
	Socket string
	// MaxOutput bounds the bytes read from the client; 0 means MaxOutputBytes.
	MaxOutput int
	// Logger receives the one-time notes (a configured jail the server does
	// not run); nil discards them.
	Logger *slog.Logger

	reported sync.Map // jail → struct{}
}

// reportMissing logs, once per jail, a configured jail the server does not run.
func (c *Client) reportMissing(jails []string) {
	for _, j := range jails {
		if _, seen := c.reported.LoadOrStore(j, struct{}{}); !seen && c.Logger != nil {
			c.Logger.Warn("fail2ban does not run a configured jail; it is left out", "jail", j, "socket", c.Socket)
		}
	}
}

// Session is what one session learned.
type Session struct {
	Server ServerStatus
	Jails  JailReplies
}

// CommandError is a fail2ban-client run that failed: it could not start,
// exited before answering, or printed what could not be parsed. Stderr
// holds the client's last error line (e.g. "Failed to access socket path:
// /var/run/fail2ban/fail2ban.sock. Is fail2ban running?").
type CommandError struct {
	Path     string
	ExitCode int // -1 when it did not exit by itself
	Stderr   string
	Err      error
}

func (e *CommandError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", e.Path)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, " (exit status %d)", e.ExitCode)
	}
	if e.Stderr != "" {
		fmt.Fprintf(&b, ": %s", e.Stderr)
	}
	return b.String()
}

func (e *CommandError) Unwrap() error { return e.Err }

// ErrNotInstalled is returned (wrapped) when the client program is not found.
var ErrNotInstalled = exec.ErrNotFound

// Status runs one session: the server's status, then the status of each
// jail in want that the server runs (every jail when want is empty).
func (c *Client) Status(ctx context.Context, want []string) (Session, error) {
	var s Session
	limit := c.MaxOutput
	if limit <= 0 {
		limit = MaxOutputBytes
	}
	cmd := exec.CommandContext(ctx, c.Path, "-s", c.Socket, "-i", "status")
	cmd.WaitDelay = 500 * time.Millisecond // never wait on pipes a killed client left open
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return s, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return s, err
	}
	out := newWatchBuffer(limit)
	stderr := &capBuffer{max: 4096}
	cmd.Stderr = stderr
	fail := func(err error) (Session, error) {
		if errors.Is(err, errTooMuchOutput) {
			_ = cmd.Process.Kill() // it may never stop printing
		}
		_ = stdin.Close() // the client exits at the end of its input
		_ = out.waitEOF(ctx)
		code := 0
		if werr := cmd.Wait(); werr != nil {
			code = exitCode(werr)
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return Session{}, &CommandError{Path: c.Path, ExitCode: code, Stderr: lastLogLine(stderr.String()), Err: err}
	}
	if err := cmd.Start(); err != nil {
		return s, &CommandError{Path: c.Path, ExitCode: -1, Err: err}
	}
	go out.readFrom(stdout)

	// The reply to `status` ends where the first prompt begins.
	head, err := out.waitFor(ctx, "\n"+Prompt)
	if err != nil {
		return fail(err)
	}
	if s.Server, err = ParseServerStatus(head); err != nil {
		return fail(err)
	}
	jails := s.Server.Jails
	if len(want) > 0 {
		runs := make(map[string]bool, len(jails))
		for _, j := range jails {
			runs[j] = true
		}
		jails = jails[:0:0]
		for _, j := range want {
			if runs[j] {
				jails = append(jails, j)
			} else {
				s.Jails.Missing = append(s.Jails.Missing, j)
			}
		}
	}
	var script bytes.Buffer
	for _, j := range jails {
		fmt.Fprintf(&script, "status %s short\n", shellQuote(j))
	}
	script.WriteString("exit\n")
	// A reader goroutine drains stdout meanwhile, so a large reply cannot
	// block the client while this write waits on it.
	if _, err := stdin.Write(script.Bytes()); err != nil {
		return fail(fmt.Errorf("writing commands: %w", err))
	}
	_ = stdin.Close()
	if err := out.waitEOF(ctx); err != nil {
		return fail(err)
	}
	if err := cmd.Wait(); err != nil {
		return Session{}, &CommandError{Path: c.Path, ExitCode: exitCode(err), Stderr: lastLogLine(stderr.String()), Err: err}
	}
	if len(jails) == 0 {
		return s, nil
	}
	rest := out.bytes()[len(head):]
	replies, err := ParseJailReplies(rest)
	if err != nil {
		return Session{}, &CommandError{Path: c.Path, ExitCode: 0, Stderr: lastLogLine(stderr.String()), Err: err}
	}
	s.Jails.Statuses = replies.Statuses
	s.Jails.Missing = append(s.Jails.Missing, replies.Missing...)
	return s, nil
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		return ee.ExitCode()
	}
	return -1
}

// shellQuote quotes a jail name for the interactive client, which splits
// each line with Python's shlex.split.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@:+=%/") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// lastLogLine is the message of the client's last log line on stderr
// ("2024-01-01 00:00:00,000 fail2ban [123]: ERROR   Failed to access …"),
// skipping the "EOF when reading a line" an interactive session ends with.
func lastLogLine(stderr string) string {
	ls := strings.Split(strings.TrimSpace(stderr), "\n")
	for i := len(ls) - 1; i >= 0; i-- {
		l := strings.TrimSpace(ls[i])
		if l == "" || strings.HasSuffix(l, "EOF when reading a line") {
			continue
		}
		if _, msg, ok := strings.Cut(l, "]: "); ok {
			l = strings.TrimSpace(msg)
			for _, lvl := range []string{"CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"} {
				if m, ok := strings.CutPrefix(l, lvl); ok {
					l = strings.TrimSpace(m)
					break
				}
			}
		}
		return clip(l, 300)
	}
	return ""
}

// watchBuffer collects a command's output, read by its own goroutine, up
// to a limit (past it the rest is drained and dropped), and lets the caller
// wait for a marker or for the end of the output.
type watchBuffer struct {
	mu     sync.Mutex
	b      []byte
	max    int
	over   bool
	eof    bool
	change chan struct{} // closed and replaced on each change
}

func newWatchBuffer(max int) *watchBuffer {
	return &watchBuffer{max: max, change: make(chan struct{})}
}

var errTooMuchOutput = errors.New("output over the limit")

// readFrom copies r into the buffer until EOF or a read error.
func (w *watchBuffer) readFrom(r io.Reader) {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		w.mu.Lock()
		if n > 0 && !w.over {
			if len(w.b)+n > w.max {
				w.over = true
			} else {
				w.b = append(w.b, buf[:n]...)
			}
		}
		if err != nil {
			w.eof = true
		}
		close(w.change)
		w.change = make(chan struct{})
		w.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (w *watchBuffer) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b
}

// wait blocks until done reports true (under the lock), the output is over
// the limit, or ctx ends.
func (w *watchBuffer) wait(ctx context.Context, done func() bool) error {
	for {
		w.mu.Lock()
		ok, over, ch := done(), w.over, w.change
		w.mu.Unlock()
		switch {
		case over:
			return errTooMuchOutput
		case ok:
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// waitFor returns the output up to the first marker (its first byte
// included), once it has arrived.
func (w *watchBuffer) waitFor(ctx context.Context, marker string) ([]byte, error) {
	var head []byte
	err := w.wait(ctx, func() bool {
		if i := bytes.Index(w.b, []byte(marker)); i >= 0 {
			head = w.b[: i+1 : i+1]
			return true
		}
		if w.eof {
			head = nil
			return true
		}
		return false
	})
	if err == nil && head == nil {
		return nil, io.ErrUnexpectedEOF
	}
	return head, err
}

// waitEOF waits for the end of the output.
func (w *watchBuffer) waitEOF(ctx context.Context) error {
	return w.wait(ctx, func() bool { return w.eof })
}

// capBuffer keeps the first max bytes written to it.
type capBuffer struct {
	mu  sync.Mutex
	b   bytes.Buffer
	max int
}

func (c *capBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.b.Len(); room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *capBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}

package asterisk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/voip-exporter/voip_exporter/ami"
)

// CLI runs Asterisk CLI commands with `asterisk -rx '<command>'` (or the
// configured program): no shell, one process per command under a timeout,
// output bounded, a few at a time.
type CLI struct {
	args    []string
	timeout time.Duration
	sem     chan struct{}

	commands, errors atomic.Uint64
	mu               sync.Mutex
	lastOK           time.Time
	lastErr          string
	lastErrAt        time.Time
}

// MaxCLIProcesses bounds the `asterisk -rx` processes one instance runs at once.
const MaxCLIProcesses = 4

// NewCLI returns a CLI transport; args is the program and its first
// arguments ("asterisk", "-rx"), the command is appended as the last one.
func NewCLI(args []string, timeout time.Duration) (*CLI, error) {
	if len(args) == 0 || args[0] == "" {
		return nil, errors.New("asterisk: empty CLI command")
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &CLI{args: append([]string(nil), args...), timeout: timeout, sem: make(chan struct{}, MaxCLIProcesses)}, nil
}

// AMI implements API: the CLI has no AMI actions.
func (c *CLI) AMI() bool { return false }

// List implements API.
func (c *CLI) List(context.Context, string, ...ami.Header) ([]*ami.Message, error) {
	return nil, ErrNoAMI
}

// Action implements API.
func (c *CLI) Action(context.Context, string, ...ami.Header) (*ami.Message, error) {
	return nil, ErrNoAMI
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// boundedBuffer keeps at most max bytes and remembers it overflowed.
type boundedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil // keep draining the pipe so the process can exit
	}
	return b.Buffer.Write(p)
}

// Command runs one CLI command. The daemon's colour escapes (queue show…)
// are removed; "No such command" comes back as an *ami.ActionError, as the
// AMI Command action reports it.
func (c *CLI) Command(ctx context.Context, command string) (string, error) {
	out, err := c.run(ctx, command)
	c.commands.Add(1)
	reached := err == nil || ami.IsUnknownCommand(err) // Asterisk answered
	c.mu.Lock()
	if reached {
		c.lastOK = time.Now()
	} else {
		c.errors.Add(1)
		c.lastErr, c.lastErrAt = err.Error(), time.Now()
	}
	c.mu.Unlock()
	return out, err
}

func (c *CLI) run(ctx context.Context, command string) (string, error) {
	if command == "" || strings.ContainsAny(command, "\r\n\x00") {
		return "", fmt.Errorf("asterisk -rx: invalid command %q", command)
	}
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		return "", ctx.Err()
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.args[0], append(c.args[1:len(c.args):len(c.args)], command)...)
	var stdout, stderr boundedBuffer
	stdout.max, stderr.max = MaxOutputBytes, 4096
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	setProcessGroup(cmd)
	err := cmd.Run()
	prog := c.args[0]
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("%s %q: %w (timeout %s)", prog, command, ctx.Err(), c.timeout)
	case err != nil:
		reason := firstLine(stderr.String())
		if reason == "" {
			reason = firstLine(stdout.String())
		}
		return "", fmt.Errorf("%s %q: %v: %s", prog, command, err, reason)
	case stdout.over:
		return "", fmt.Errorf("%s %q: output over %d bytes", prog, command, MaxOutputBytes)
	}
	out := stdout.String()
	if strings.IndexByte(out, 0x1b) >= 0 {
		out = ansiRE.ReplaceAllString(out, "")
	}
	if strings.HasPrefix(out, "No such command '") {
		return out, &ami.ActionError{Action: "Command", Message: firstLine(out)}
	}
	return out, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clip(strings.TrimSpace(s), 200)
}

// cliStatus reports the CLI transport's last outcome (for /health).
func (c *CLI) status() (ok bool, lastOK time.Time, lastErr string, lastErrAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.lastOK.IsZero() && c.lastOK.After(c.lastErrAt), c.lastOK, c.lastErr, c.lastErrAt
}

package esl

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// validArg reports whether s is non-blank and free of CR and LF, so that it
// cannot end a command early or inject another one.
func validArg(s string) bool {
	return strings.TrimSpace(s) != "" && !strings.ContainsAny(s, "\r\n")
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

func wire(parts ...string) []byte {
	n := 2
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = append(b, p...)
	}
	return append(b, '\n', '\n')
}

func errMessage(b []byte) string {
	s := strings.TrimPrefix(string(b), "-ERR")
	return strings.TrimSpace(s)
}

// SendCommand sends a raw command line (e.g. "event plain HEARTBEAT",
// "filter Unique-ID …", "myevents", "linger", "divert_events on") and
// returns FreeSWITCH's reply. A command/reply whose Reply-Text is "-ERR …"
// returns the reply together with a *CommandError. cmd must not contain CR
// or LF (ErrInvalidCommand).
func (c *Conn) SendCommand(ctx context.Context, cmd string) (*Reply, error) {
	if !validArg(cmd) {
		return nil, ErrInvalidCommand
	}
	name := firstWord(cmd)
	switch name {
	case "event", "nixevent", "noevents", "filter":
		// keep track of format and subscription for BgAPI
		c.smu.Lock()
		defer c.smu.Unlock()
	}
	r, err := c.command(ctx, wire(cmd), name)
	if err == nil {
		c.noteSubscription(strings.Fields(cmd))
	}
	return r, err
}

// noteSubscription records the effect of a successful subscription command
// sent with SendCommand (smu held).
func (c *Conn) noteSubscription(f []string) {
	switch {
	case len(f) >= 2 && f[0] == "event" && validFormat(f[1]):
		c.format = f[1]
		for _, e := range f[2:] {
			if e == "ALL" || e == "BACKGROUND_JOB" {
				c.jobsSubbed = true
			}
		}
	case len(f) >= 1 && f[0] == "nixevent":
		for _, e := range f[1:] {
			if e == "ALL" || e == "BACKGROUND_JOB" {
				c.jobsSubbed = false
			}
		}
	case len(f) == 1 && f[0] == "noevents":
		c.jobsSubbed = false
	case len(f) >= 3 && f[0] == "filter" && f[1] != "delete":
		c.haveFilters = true
	}
}

func (c *Conn) command(ctx context.Context, w []byte, name string) (*Reply, error) {
	r, err := c.roundTrip(ctx, w, name)
	if err != nil {
		return nil, err
	}
	if r.ContentType == TypeCommandReply && !r.OK() {
		c.st.commandErrors.Add(1)
		return r, &CommandError{Command: name, Message: errMessage([]byte(r.Text))}
	}
	return r, nil
}

// API runs "api <cmd>" and returns the api/response body. A body starting
// with "-ERR" is returned together with an *APIError.
func (c *Conn) API(ctx context.Context, cmd string) ([]byte, error) {
	if !validArg(cmd) {
		return nil, ErrInvalidCommand
	}
	name := firstWord(cmd)
	r, err := c.command(ctx, wire("api ", cmd), name)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(r.Body, []byte("-ERR")) {
		c.st.commandErrors.Add(1)
		return r.Body, &APIError{Command: name, Message: errMessage(r.Body)}
	}
	return r.Body, nil
}

// BgAPIStart runs "bgapi <cmd>" with a Job-UUID of our own and returns it
// with a channel that receives the job's BACKGROUND_JOB event (its Body() is
// the result). The channel is closed without a value if the connection
// closes first. BACKGROUND_JOB is added to the subscription automatically.
func (c *Conn) BgAPIStart(ctx context.Context, cmd string) (string, <-chan *Event, error) {
	if !validArg(cmd) {
		return "", nil, ErrInvalidCommand
	}
	if err := c.subscribeJobs(ctx); err != nil {
		return "", nil, err
	}
	id := newJobUUID()
	ch := make(chan *Event, 1)
	if err := c.addJob(id, ch); err != nil {
		return "", nil, err
	}
	if _, err := c.command(ctx, wire("bgapi ", cmd, "\nJob-UUID: ", id), "bgapi"); err != nil {
		c.takeJob(id)
		return "", nil, err
	}
	return id, ch, nil
}

// BgAPI runs cmd in the background and waits (bounded by ctx only) for its
// result. A result starting with "-ERR" is returned with an *APIError.
func (c *Conn) BgAPI(ctx context.Context, cmd string) ([]byte, error) {
	id, ch, err := c.BgAPIStart(ctx, cmd)
	if err != nil {
		return nil, err
	}
	select {
	case ev, ok := <-ch:
		if !ok {
			return nil, c.Err()
		}
		body := ev.Body()
		if bytes.HasPrefix(body, []byte("-ERR")) {
			c.st.commandErrors.Add(1)
			return body, &APIError{Command: firstWord(cmd), Message: errMessage(body)}
		}
		return body, nil
	case <-ctx.Done():
		c.takeJob(id)
		c.st.commandErrors.Add(1)
		return nil, fmt.Errorf("esl: bgapi %s: %w", firstWord(cmd), ctx.Err())
	}
}

func (c *Conn) subscribeJobs(ctx context.Context) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if !c.jobsSubbed {
		if _, err := c.command(ctx, wire("event ", c.format, " BACKGROUND_JOB"), "event"); err != nil {
			return err
		}
		c.jobsSubbed = true
	}
	if c.haveFilters && !c.filterBgJobs {
		if _, err := c.command(ctx, wire("filter Event-Name BACKGROUND_JOB"), "filter"); err != nil {
			return err
		}
		c.filterBgJobs = true
	}
	return nil
}

func validFormat(f string) bool { return f == "plain" || f == "json" || f == "xml" }

// Subscribe sends "event <format> <events…>" (format plain, json or xml;
// no events means ALL). FreeSWITCH adds to the subscription; the format
// applies to the whole connection.
func (c *Conn) Subscribe(ctx context.Context, format string, events ...string) error {
	if !validFormat(format) {
		return fmt.Errorf("esl: event format %q: want plain, json or xml", format)
	}
	if len(events) == 0 {
		events = []string{"ALL"}
	}
	for _, e := range events {
		if !validArg(e) || strings.ContainsAny(e, " \t") {
			return ErrInvalidCommand
		}
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	if _, err := c.command(ctx, wire("event ", format, " ", strings.Join(events, " ")), "event"); err != nil {
		return err
	}
	c.format = format
	for _, e := range events {
		if e == "ALL" || e == "BACKGROUND_JOB" {
			c.jobsSubbed = true
		}
	}
	return nil
}

// Nixevent removes events from the subscription.
func (c *Conn) Nixevent(ctx context.Context, events ...string) error {
	if len(events) == 0 {
		return ErrInvalidCommand
	}
	for _, e := range events {
		if !validArg(e) || strings.ContainsAny(e, " \t") {
			return ErrInvalidCommand
		}
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	if _, err := c.command(ctx, wire("nixevent ", strings.Join(events, " ")), "nixevent"); err != nil {
		return err
	}
	for _, e := range events {
		if e == "ALL" || e == "BACKGROUND_JOB" {
			c.jobsSubbed = false
		}
	}
	return nil
}

// NoEvents drops the whole subscription ("noevents").
func (c *Conn) NoEvents(ctx context.Context) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if _, err := c.command(ctx, wire("noevents"), "noevents"); err != nil {
		return err
	}
	c.jobsSubbed = false
	return nil
}

// Filter sends "filter <header> <value>": once any filter exists,
// FreeSWITCH only delivers events matching one. BgAPI then adds
// "filter Event-Name BACKGROUND_JOB" for itself (and assumes filters remain
// after FilterDelete, since it cannot know).
func (c *Conn) Filter(ctx context.Context, header, value string) error {
	if !validArg(header) || !validArg(value) || strings.ContainsAny(header, " \t") {
		return ErrInvalidCommand
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	if _, err := c.command(ctx, wire("filter ", header, " ", value), "filter"); err != nil {
		return err
	}
	c.haveFilters = true
	return nil
}

// FilterDelete sends "filter delete <header> [<value>]".
func (c *Conn) FilterDelete(ctx context.Context, header, value string) error {
	if !validArg(header) || strings.ContainsAny(header, " \t") || strings.ContainsAny(value, "\r\n") {
		return ErrInvalidCommand
	}
	w := wire("filter delete ", header)
	if strings.TrimSpace(value) != "" {
		w = wire("filter delete ", header, " ", value)
	}
	_, err := c.command(ctx, w, "filter")
	return err
}

// Log sends "log <level>" (e.g. "info" or "6"); lines go to Options.OnLog.
func (c *Conn) Log(ctx context.Context, level string) error {
	if !validArg(level) {
		return ErrInvalidCommand
	}
	_, err := c.command(ctx, wire("log ", level), "log")
	return err
}

// NoLog sends "nolog".
func (c *Conn) NoLog(ctx context.Context) error {
	_, err := c.command(ctx, wire("nolog"), "nolog")
	return err
}

// Exit sends "exit", waits for its reply and for FreeSWITCH to close the
// connection (bounded by ctx), then closes it.
func (c *Conn) Exit(ctx context.Context) error {
	_, err := c.command(ctx, wire("exit"), "exit")
	if err == nil {
		select {
		case <-c.done:
		case <-ctx.Done():
		}
	}
	c.shutdown(ErrClosed)
	return err
}

package asterisk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/source"
)

// Namespace prefixes every Asterisk metric.
const Namespace = "asterisk"

// API is what the scrapers need from an Asterisk: CLI commands (always) and
// AMI actions (AMI mode only; the CLI transport returns ErrNoAMI).
type API interface {
	// Command runs a CLI command and returns its output as `asterisk -rx`
	// prints it. An unknown command returns an error for which
	// ami.IsUnknownCommand is true.
	Command(ctx context.Context, cmd string) (string, error)
	// List runs an AMI action that answers with an event list and returns
	// the list's events.
	List(ctx context.Context, action string, headers ...ami.Header) ([]*ami.Message, error)
	// Action runs an AMI action and returns its response.
	Action(ctx context.Context, action string, headers ...ami.Header) (*ami.Message, error)
	// AMI reports whether actions are available (false in CLI mode).
	AMI() bool
}

// ErrNoAMI is returned by the CLI transport for AMI actions.
var ErrNoAMI = errors.New("asterisk: AMI actions are not available in CLI mode")

// MaxOutputBytes bounds the CLI output a parser accepts.
const MaxOutputBytes = 64 << 20

const maxLabelBytes = 256

// noData turns "this module is not loaded" answers into source.NoData.
func noData(what string, err error) error {
	if err == nil {
		return nil
	}
	if ami.IsUnknownAction(err) || ami.IsUnknownCommand(err) {
		return source.NoData(what + ": not available (module not loaded?): " + err.Error())
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isEmptyList reports whether an AMI error means "the list is empty"
// (ConfbridgeListRooms: "No active conferences.", PJSIP: "No … found").
func isEmptyList(err error) bool {
	var ae *ami.ActionError
	if !errors.As(err, &ae) {
		return false
	}
	m := strings.ToLower(strings.TrimSpace(ae.Message))
	return strings.HasPrefix(m, "no active conferences") || strings.HasPrefix(m, "no ") && strings.HasSuffix(m, " found")
}

// command runs a CLI command and bounds its output.
func command(ctx context.Context, api API, cmd string) (string, error) {
	out, err := api.Command(ctx, cmd)
	if err != nil {
		return "", noData(cmd, err)
	}
	if len(out) > MaxOutputBytes {
		return "", fmt.Errorf("%s: output of %d bytes is over the %d-byte limit", cmd, len(out), MaxOutputBytes)
	}
	return out, nil
}

// list runs an event-list action; an empty-list error gives no items.
func list(ctx context.Context, api API, action string, headers ...ami.Header) ([]*ami.Message, error) {
	items, err := api.List(ctx, action, headers...)
	if err != nil {
		if isEmptyList(err) {
			return nil, nil
		}
		return nil, noData(action, err)
	}
	return items, nil
}

// memo deduplicates identical requests within one scrape: the scrapers of
// one collection run concurrently, and several of them need the same list
// (SIPpeers for sip_peers and phone_fleet…). It is carried by the context.
type memo struct {
	mu sync.Mutex
	m  map[string]*memoEntry
}

type memoEntry struct {
	done  chan struct{}
	out   string
	items []*ami.Message
	resp  *ami.Message
	err   error
}

type memoKey struct{}

// WithScrape returns a context under which identical requests made through a
// Memoized API are sent once (one round trip per action per scrape).
func WithScrape(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{m: map[string]*memoEntry{}})
}

// Memoized wraps an API so that requests under a WithScrape context are
// shared; results are read-only.
func Memoized(api API) API { return memoAPI{api} }

type memoAPI struct{ inner API }

func (m memoAPI) AMI() bool { return m.inner.AMI() }

func (m memoAPI) do(ctx context.Context, key string, fn func(e *memoEntry)) *memoEntry {
	mm, _ := ctx.Value(memoKey{}).(*memo)
	if mm == nil {
		e := &memoEntry{}
		fn(e)
		return e
	}
	mm.mu.Lock()
	e, ok := mm.m[key]
	if !ok {
		e = &memoEntry{done: make(chan struct{})}
		mm.m[key] = e
	}
	mm.mu.Unlock()
	if ok {
		select {
		case <-e.done:
			return e
		case <-ctx.Done():
			return &memoEntry{err: ctx.Err()}
		}
	}
	fn(e)
	close(e.done)
	return e
}

func key(kind, action string, headers []ami.Header) string {
	var b strings.Builder
	b.WriteString(kind + "\x00" + strings.ToLower(action))
	for _, h := range headers {
		b.WriteString("\x00" + h.Key + "\x00" + h.Value)
	}
	return b.String()
}

func (m memoAPI) Command(ctx context.Context, cmd string) (string, error) {
	e := m.do(ctx, "cmd\x00"+cmd, func(e *memoEntry) { e.out, e.err = m.inner.Command(ctx, cmd) })
	return e.out, e.err
}

func (m memoAPI) List(ctx context.Context, action string, headers ...ami.Header) ([]*ami.Message, error) {
	e := m.do(ctx, key("list", action, headers), func(e *memoEntry) { e.items, e.err = m.inner.List(ctx, action, headers...) })
	return e.items, e.err
}

func (m memoAPI) Action(ctx context.Context, action string, headers ...ami.Header) (*ami.Message, error) {
	e := m.do(ctx, key("action", action, headers), func(e *memoEntry) { e.resp, e.err = m.inner.Action(ctx, action, headers...) })
	return e.resp, e.err
}

// AMIAPI is the API over an AMI connection (or reconnecting client).
type AMIAPI struct {
	Conn interface {
		Action(ctx context.Context, action string, headers ...ami.Header) (*ami.Message, error)
		List(ctx context.Context, action string, headers ...ami.Header) (*ami.Message, []*ami.Message, error)
		Command(ctx context.Context, command string) (string, error)
	}
}

// AMI implements API.
func (AMIAPI) AMI() bool { return true }

// Command implements API with the Command action.
func (a AMIAPI) Command(ctx context.Context, cmd string) (string, error) {
	return a.Conn.Command(ctx, cmd)
}

// List implements API.
func (a AMIAPI) List(ctx context.Context, action string, headers ...ami.Header) ([]*ami.Message, error) {
	_, items, err := a.Conn.List(ctx, action, headers...)
	return items, err
}

// Action implements API.
func (a AMIAPI) Action(ctx context.Context, action string, headers ...ami.Header) (*ami.Message, error) {
	return a.Conn.Action(ctx, action, headers...)
}

func newDesc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, subsystem, name), help, labels, nil)
}

// emit sends one const metric; label values from Asterisk are made valid
// UTF-8 and bounded (client_golang escapes quotes, backslashes and newlines).
func emit(ch chan<- prometheus.Metric, d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	for i, l := range labels {
		if len(l) > maxLabelBytes || !utf8.ValidString(l) {
			labels[i] = clip(l, maxLabelBytes)
		}
	}
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		m = prometheus.NewInvalidMetric(d, err)
	}
	ch <- m
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	emit(ch, d, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	emit(ch, d, prometheus.CounterValue, v, labels...)
}

// clip cuts s to at most n bytes on a rune boundary and makes it valid UTF-8.
func clip(s string, n int) string {
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// garbage describes unexpected output in an error: its first line, quoted.
func garbage(what, out string) error {
	out = strings.TrimSpace(out)
	if out == "" {
		return fmt.Errorf("%s: empty output", what)
	}
	if i := strings.IndexByte(out, '\n'); i >= 0 {
		out = out[:i]
	}
	return fmt.Errorf("%s: unexpected output %q", what, clip(out, 200))
}

// lines splits CLI output into lines without their endings.
func lines(out string) []string {
	out = strings.TrimSuffix(out, "\n")
	if out == "" {
		return nil
	}
	ls := strings.Split(out, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls
}

// maxPeers bounds the distinct peers one metric family reports per scrape;
// more (e.g. guest calls from many addresses) are summed under "_other".
const maxPeers = 2000

// otherPeer is the label of peers over maxPeers.
const otherPeer = "_other"

type peerBound map[string]bool

func (b peerBound) label(peer string) string {
	if b[peer] {
		return peer
	}
	if len(b) >= maxPeers {
		return otherPeer
	}
	b[peer] = true
	return peer
}

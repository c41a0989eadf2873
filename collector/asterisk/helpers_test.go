package asterisk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/source"
)

// captures is the directory of the real Asterisk 20.20.1 captures.
const captures = "../../testdata/asterisk"

// slug names a CLI capture file after its command.
func slug(cmd string) string {
	return strings.Trim(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, cmd), "-")
}

func cliCapture(tb testing.TB, phase, cmd string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(captures, "cli", phase, slug(cmd)+".raw"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// amiCapture returns the messages of a captured session.
func amiCapture(tb testing.TB, rel string) []*ami.Message {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(captures, "ami", rel))
	if err != nil {
		tb.Fatal(err)
	}
	r := ami.NewReader(bytes.NewReader(raw), ami.ReaderOptions{})
	if _, err := r.ReadGreeting(); err != nil {
		tb.Fatal(err)
	}
	var out []*ami.Message
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, m)
	}
}

// amiList returns the list items (without the response and the Complete
// event) or the single response of a captured action.
func amiList(tb testing.TB, rel, actionID string) (resp *ami.Message, items []*ami.Message) {
	tb.Helper()
	for _, m := range amiCapture(tb, rel) {
		if m.ActionID() != actionID {
			continue
		}
		switch {
		case !m.IsEvent():
			resp = m
		case !m.IsListComplete():
			items = append(items, m)
		}
	}
	if resp == nil {
		tb.Fatalf("%s: no answer %s", rel, actionID)
	}
	return resp, items
}

// fakeAPI serves captured answers.
type fakeAPI struct {
	mu       sync.Mutex // scrapers may ask concurrently (the CLI transcoding path does)
	ami      bool
	commands map[string]string
	lists    map[string][]*ami.Message
	actions  map[string]*ami.Message
	errs     map[string]error
	calls    map[string]int
}

func newFake(amiMode bool) *fakeAPI {
	return &fakeAPI{ami: amiMode, commands: map[string]string{}, lists: map[string][]*ami.Message{},
		actions: map[string]*ami.Message{}, errs: map[string]error{}, calls: map[string]int{}}
}

func (f *fakeAPI) AMI() bool { return f.ami }

func (f *fakeAPI) Command(ctx context.Context, cmd string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["cmd:"+cmd]++
	if err := f.errs[cmd]; err != nil {
		return "", err
	}
	out, ok := f.commands[cmd]
	if !ok {
		return "No such command '" + cmd + "'\n", &ami.ActionError{Action: "Command", Message: "No such command '" + cmd + "' (fake)"}
	}
	return out, nil
}

func (f *fakeAPI) List(ctx context.Context, action string, _ ...ami.Header) ([]*ami.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[action]++
	if !f.ami {
		return nil, ErrNoAMI
	}
	if err := f.errs[action]; err != nil {
		return nil, err
	}
	items, ok := f.lists[action]
	if !ok {
		return nil, &ami.ActionError{Action: action, Message: "Invalid/unknown command: " + action + ". Use Action: ListCommands to show available commands."}
	}
	return items, nil
}

func (f *fakeAPI) Action(ctx context.Context, action string, _ ...ami.Header) (*ami.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[action]++
	if !f.ami {
		return nil, ErrNoAMI
	}
	if err := f.errs[action]; err != nil {
		return nil, err
	}
	m, ok := f.actions[action]
	if !ok {
		return nil, &ami.ActionError{Action: action, Message: "Invalid/unknown command: " + action}
	}
	return m, nil
}

// cliFake serves the CLI captures of a phase for every command the scrapers send.
func cliFake(tb testing.TB, phase string) *fakeAPI {
	f := newFake(false)
	for _, cmd := range []string{"core show channels count", "core show uptime seconds", "core show version", "core show channels concise",
		"sip show peers", "sip show registry", "sip show settings", "confbridge list", "sip show channelstats", "sip show channels",
		"core show calls"} {
		f.commands[cmd] = cliCapture(tb, phase, cmd)
	}
	if strings.HasPrefix(phase, "pjsip") {
		for _, cmd := range []string{"pjsip show endpoints", "pjsip show contacts", "pjsip show registrations", "pjsip show channelstats"} {
			f.commands[cmd] = cliCapture(tb, phase, cmd)
		}
	}
	// `core show channel <name>` of each channel: the command is in the capture's .tx file.
	txs, _ := filepath.Glob(filepath.Join(captures, "cli", phase, "core-show-channel-*.tx"))
	for _, tx := range txs {
		cmd, err := os.ReadFile(tx)
		if err != nil {
			tb.Fatal(err)
		}
		out, err := os.ReadFile(strings.TrimSuffix(tx, ".tx") + ".raw")
		if err != nil {
			tb.Fatal(err)
		}
		f.commands[strings.TrimSpace(string(cmd))] = string(out)
	}
	return f
}

// amiFake serves the AMI captures of the busy chan_sip phase (and the
// Command outputs captured by -rx in the same phase).
func amiFake(tb testing.TB) *fakeAPI {
	f := newFake(true)
	resp, _ := amiList(tb, "busy/10-queries.raw", "corestatus-1")
	f.actions["CoreStatus"] = resp
	resp, _ = amiList(tb, "busy/10-queries.raw", "coresettings-1")
	f.actions["CoreSettings"] = resp
	for action, id := range map[string]string{"CoreShowChannels": "coreshowchannels-1", "SIPpeers": "sippeers-1",
		"SIPshowregistry": "sipshowregistry-1", "ConfbridgeListRooms": "cblistrooms-1"} {
		_, f.lists[action] = amiList(tb, "busy/10-queries.raw", id)
	}
	_, f.lists["Status"] = amiList(tb, "busy/13-status-and-channel.raw", "status-all")
	for _, cmd := range []string{"core show calls", "core show uptime seconds", "sip show settings", "sip show channelstats", "sip show channels"} {
		f.commands[cmd] = cliCapture(tb, "busy", cmd)
	}
	return f
}

// scraperCollector makes one scraper a prometheus.Collector for tests.
type scraperCollector struct {
	s   source.Scraper[API]
	api API
	err error
}

func (c *scraperCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }
func (c *scraperCollector) Collect(ch chan<- prometheus.Metric) {
	c.err = c.s.Scrape(context.Background(), c.api, ch)
}

// compareScrape runs s against api in a pedantic registry and compares
// the samples of the named metrics with want.
func compareScrape(t *testing.T, s source.Scraper[API], api API, want string, names ...string) {
	t.Helper()
	c := &scraperCollector{s: s, api: api}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatalf("register: %v (scrape error: %v)", err, c.err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatalf("scrape error %v\n%v", c.err, err)
	}
	if c.err != nil {
		t.Fatalf("scrape: %v", c.err)
	}
}

var descRE = regexp.MustCompile(`^Desc\{fqName: "([^"]+)", help: ("(?:[^"\\]|\\.)*"),`)

// hdr renders the # HELP and # TYPE lines of d.
func hdr(t *testing.T, d *prometheus.Desc, typ string) string {
	t.Helper()
	m := descRE.FindStringSubmatch(d.String())
	if m == nil {
		t.Fatalf("cannot read %s", d)
	}
	help, err := strconv.Unquote(m[2])
	if err != nil {
		t.Fatal(err)
	}
	help = strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(help)
	return fmt.Sprintf("# HELP %s %s\n# TYPE %s %s\n", m[1], help, m[1], typ)
}

func name(t *testing.T, d *prometheus.Desc) string {
	m := descRE.FindStringSubmatch(d.String())
	if m == nil {
		t.Fatalf("cannot read %s", d)
	}
	return m[1]
}

// ParseSIPpeersEventsFixture builds PeerEntry events for the given names.
func ParseSIPpeersEventsFixture(names ...string) []*ami.Message {
	var out []*ami.Message
	for _, n := range names {
		out = append(out, ami.NewMessage(ami.Header{Key: "Event", Value: "PeerEntry"}, ami.Header{Key: "ObjectName", Value: n},
			ami.Header{Key: "IPaddress", Value: "10.0.0.1"}, ami.Header{Key: "IPport", Value: "5060"}, ami.Header{Key: "Status", Value: "OK (5 ms)"}))
	}
	return out
}

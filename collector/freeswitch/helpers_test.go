package freeswitch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/voip-exporter/voip_exporter/source"
)

// captures is the directory of the real FreeSWITCH 1.10.12 transcripts.
const captures = "../../testdata/freeswitch"

// frameBody returns the body of one captured ESL frame: the bytes after the
// first blank line, Content-Length of them.
func frameBody(tb testing.TB, rel string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(captures, rel))
	if err != nil {
		tb.Fatal(err)
	}
	b, err := splitFrame(raw)
	if err != nil {
		tb.Fatalf("%s: %v", rel, err)
	}
	return b
}

func splitFrame(raw []byte) ([]byte, error) {
	head, body, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		return nil, errors.New("no blank line after the headers")
	}
	n := -1
	for _, line := range strings.Split(string(head), "\n") {
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			var err error
			if n, err = strconv.Atoi(v); err != nil {
				return nil, err
			}
		}
	}
	if n < 0 || n > len(body) {
		return nil, fmt.Errorf("Content-Length %d, %d body bytes", n, len(body))
	}
	return body[:n], nil
}

// fakeAPI serves captured bodies by command.
type fakeAPI struct {
	bodies map[string][]byte
	errs   map[string]error
}

func (f *fakeAPI) API(ctx context.Context, cmd string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	body, ok := f.bodies[cmd]
	if err := f.errs[cmd]; err != nil {
		return body, err
	}
	if !ok {
		return nil, fmt.Errorf("fake: unexpected command %q", cmd)
	}
	return body, nil
}

// idleFiles maps every command the scrapers send to its capture on an idle box.
var idleFiles = map[string]string{
	"status":                     "frames/api-status.txt",
	"show calls count":           "frames/api-show-calls-count.txt",
	"show channels count":        "frames/api-show-channels-count.txt",
	"uptime s":                   "frames/api-uptime-s.txt",
	"strepoch":                   "frames/api-strepoch.txt",
	"version":                    "frames/api-version.txt",
	"sofia xmlstatus":            "frames/api-sofia-xmlstatus.txt",
	"sofia xmlstatus gateway":    "frames/api-sofia-xmlstatus-gateway.txt",
	"show registrations as json": "frames/api-show-registrations-as-json.txt",
}

func newFakeAPI(tb testing.TB, files map[string]string) *fakeAPI {
	tb.Helper()
	f := &fakeAPI{bodies: map[string][]byte{}, errs: map[string]error{}}
	for cmd, rel := range files {
		f.bodies[cmd] = frameBody(tb, rel)
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

// compareScrape runs s against api in a pedantic registry and compares the
// exposition with want.
func compareScrape(t *testing.T, s source.Scraper[API], api API, want string) {
	t.Helper()
	c := &scraperCollector{s: s, api: api}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatalf("register: %v (scrape error: %v)", err, c.err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Fatalf("scrape error %v\n%v", c.err, err)
	}
	if c.err != nil {
		t.Fatalf("scrape: %v", c.err)
	}
}

var descRE = regexp.MustCompile(`^Desc\{fqName: "([^"]+)", help: ("(?:[^"\\]|\\.)*"),`)

// hdr renders the # HELP and # TYPE lines of d, so that expected expositions
// spell out only the samples.
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

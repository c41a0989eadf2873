package freeswitch

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are the captured bodies each fuzz target starts from; the same
// bodies are written to testdata/fuzz/<FuzzName>/ by TestWriteFuzzCorpus.
var fuzzSeeds = map[string][]string{
	"FuzzParseStatus": {
		"frames/api-status.txt",
		"frames/api-status-with-extra-header.txt",
		"calls/call1-echo-hupall/during-api-status.txt",
		"calls/call2-bridge-natural-hangup/after-api-status.txt",
		"calls/call3-degraded-loss-jitter/during-api-status.txt",
	},
	"FuzzParseSofiaXMLStatus": {
		"frames/api-sofia-xmlstatus.txt",
		"frames/api-sofia-xmlstatus-profile-internal.txt",
		"frames/api-sofia-xmlstatus-gateway-nosuchgw.txt",
	},
	"FuzzParseGatewaysXML": {
		"frames/api-sofia-xmlstatus-gateway.txt",
		"frames/api-sofia-xmlstatus-gateway.fail-wait.txt",
		"frames/api-sofia-xmlstatus-gateway-gw-loop.txt",
		"frames/api-sofia-xmlstatus-gateway-gw-noreg.txt",
		"frames/api-sofia-xmlstatus-gateway-nosuchgw.txt",
		"calls/call2-bridge-natural-hangup/during-api-sofia-xmlstatus-gateway-gw-loop.txt",
	},
	"FuzzParseCount": {
		"frames/api-show-calls-count.txt",
		"frames/api-show-registrations.txt",
		"calls/call2-bridge-natural-hangup/during-api-show-channels-count.txt",
		"frames/api-nonexistentcmd.txt",
	},
	"FuzzParseRegistrations": {
		"frames/api-show-registrations-as-json.txt",
		"frames/api-show-registrations.txt",
		"frames/api-show-calls-as-json.txt", // {"row_count": 0}: the same generator with no rows
	},
}

func addSeeds(f *testing.F) {
	for _, rel := range fuzzSeeds[f.Name()] {
		f.Add(frameBody(f, rel))
	}
}

// TestWriteFuzzCorpus rewrites the checked-in seed corpora from the captures:
// FS_WRITE_FUZZ_CORPUS=1 go test -run TestWriteFuzzCorpus ./collector/freeswitch/
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("FS_WRITE_FUZZ_CORPUS") == "" {
		t.Skip("set FS_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz")
	}
	for name, files := range fuzzSeeds {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, rel := range files {
			data := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(frameBody(t, rel))))
			file := filepath.Join(dir, "capture-"+filepath.Base(filepath.Dir(rel))+"-"+filepath.Base(rel))
			if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func FuzzParseStatus(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStatus(b)
		if err != nil {
			return
		}
		if s.Uptime < 0 || s.IdleCPU < 0 || s.IdleCPU > 100 || s.MinIdleCPU < 0 || s.MinIdleCPU > 100 {
			t.Fatalf("out of range: %+v", s)
		}
		if r := percentRatio(s.IdleCPU); r < 0 || r > 1 || math.IsNaN(r) {
			t.Fatalf("ratio %v", r)
		}
		if !utf8.ValidString(s.Version) {
			t.Fatalf("version not UTF-8: %q", s.Version)
		}
	})
}

func FuzzParseSofiaXMLStatus(f *testing.F) {
	addSeeds(f)
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<profiles>\n<profile><name>caf\xe9</name><state>RUNNING (2)</state></profile>\n" +
		"<alias><name>a</name><type>alias</type><data>caf\xe9</data><state>ALIASED</state></alias>\n</profiles>\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseSofiaXMLStatus(b)
		if err != nil {
			return
		}
		for _, list := range [][]SofiaEntry{st.Profiles, st.Gateways, st.Aliases} {
			for _, e := range list {
				if e.Name == "" || !utf8.ValidString(e.Name+e.Type+e.Data+e.State) {
					t.Fatalf("bad entry %+v", e)
				}
				if n, ok := e.Sessions(); ok && n < 0 {
					t.Fatalf("negative sessions %d", n)
				}
			}
		}
	})
}

func FuzzParseGatewaysXML(f *testing.F) {
	addSeeds(f)
	f.Add([]byte("<gateway><name>a&quot;b&#10;</name><pingtime>1500.25</pingtime><retry>3s</retry><state>WEIRD</state></gateway>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		gws, err := ParseGatewaysXML(b)
		if err != nil {
			return
		}
		for _, g := range gws {
			if g.Name == "" || !utf8.ValidString(g.Name+g.Profile+g.State+g.Status) {
				t.Fatalf("bad gateway %+v", g)
			}
			_ = gatewayState(g.State)
		}
	})
}

func FuzzParseCount(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := ParseCount(b); err == nil && n < 0 {
			t.Fatalf("negative count %d", n)
		}
	})
}

func FuzzParseRegistrations(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		regs, err := ParseRegistrationsJSON(b)
		if err != nil {
			return
		}
		// The scraper's light decoder must agree with the full parser, and
		// the label buckets must keep every row.
		counts, err := countRegistrationsJSON(b)
		if err != nil {
			t.Fatalf("full parse ok, count failed: %v", err)
		}
		total := 0
		for _, n := range registrationsByProto(counts) {
			total += n
		}
		if total != len(regs) {
			t.Fatalf("buckets hold %d rows, want %d", total, len(regs))
		}
		for _, r := range regs {
			if r.NetworkPort < 0 || r.NetworkPort > 65535 {
				t.Fatalf("port %d", r.NetworkPort)
			}
			counts[r.NetworkProto]--
		}
		for p, n := range counts {
			if n != 0 {
				t.Fatalf("proto %q: counts differ by %d", p, n)
			}
		}
	})
}

// FuzzParseEpoch: `strepoch` replies either fail or give a time between 1970 and 9999 whose seconds
// print back as the reply's digits.
func FuzzParseEpoch(f *testing.F) {
	for _, s := range []string{"1795372971", " 1795372971\n", "-1", "0", "253402300800", "12abc", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, err := ParseEpoch(b)
		if err != nil {
			return
		}
		if tm.Unix() <= 0 || tm.Unix() > maxEpoch {
			t.Fatalf("%q → %v out of range", b, tm)
		}
		if got := strconv.FormatInt(tm.Unix(), 10); strings.TrimLeft(strings.TrimSpace(string(b)), "+0") != got {
			t.Fatalf("%q → %s", b, got)
		}
	})
}

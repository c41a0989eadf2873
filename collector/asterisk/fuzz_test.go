package asterisk

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz targets feed arbitrary text to every CLI parser: none may panic,
// and what they return must be sane (no negative counts, no NaN). Seed
// corpora (testdata/fuzz/<Fuzz…>) are the real captures of each command.

func addCaptures(f *testing.F, cmds ...string) {
	for _, phase := range []string{"idle", "busy", "pjsip-idle", "pjsip-busy", "nocolor-daemon"} {
		for _, cmd := range cmds {
			if b, err := os.ReadFile(filepath.Join(captures, "cli", phase, slug(cmd)+".raw")); err == nil {
				f.Add(string(b))
			}
		}
	}
}

func FuzzParseChannelCounts(f *testing.F) {
	addCaptures(f, "core show channels count", "core show channels", "core show calls", "core show channels verbose")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseChannelCounts(s)
		if err == nil && (c.Channels < 0 || c.Calls < 0 || c.Processed < 0 || c.MaxCalls < 0) {
			t.Fatalf("negative: %+v", c)
		}
	})
}

func FuzzParseUptime(f *testing.F) {
	addCaptures(f, "core show uptime", "core show uptime seconds", "core show calls uptime")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUptime(s)
		if err == nil && (u.Uptime < 0 || u.SinceReload < 0) {
			t.Fatalf("negative: %+v", u)
		}
	})
}

func FuzzParseChannelsConcise(f *testing.F) {
	addCaptures(f, "core show channels concise")
	f.Fuzz(func(t *testing.T, s string) {
		chans, err := ParseChannelsConcise(s)
		if err == nil {
			for _, c := range chans {
				PeerOf(c.Name)
			}
		}
	})
}

func FuzzParseSIPPeers(f *testing.F) {
	addCaptures(f, "sip show peers")
	f.Fuzz(func(t *testing.T, s string) {
		peers, err := ParseSIPPeers(s)
		if err != nil {
			return
		}
		for _, p := range peers {
			if p.Name == "" || p.Latency < 0 || strings.ContainsAny(p.Name, "\n/") {
				t.Fatalf("bad peer %+v", p)
			}
			p.Up()
		}
	})
}

func FuzzParsePJSIP(f *testing.F) {
	addCaptures(f, "pjsip show endpoints", "pjsip show contacts", "pjsip show registrations", "pjsip show aors")
	f.Fuzz(func(t *testing.T, s string) {
		if eps, err := ParsePJSIPEndpoints(s); err == nil {
			for _, e := range eps {
				if e.Channels < 0 {
					t.Fatalf("%+v", e)
				}
			}
		}
		if cs, err := ParsePJSIPContacts(s); err == nil {
			for _, c := range cs {
				if c.RTT < 0 || c.HasRTT && math.IsNaN(c.RTT.Seconds()) {
					t.Fatalf("%+v", c)
				}
			}
		}
		_, _ = ParsePJSIPRegistrations(s)
	})
}

func FuzzParseSIPRegistry(f *testing.F) {
	addCaptures(f, "sip show registry")
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseSIPRegistry(s) })
}

func FuzzParseConfbridgeList(f *testing.F) {
	addCaptures(f, "confbridge list", "confbridge list 8000")
	f.Fuzz(func(t *testing.T, s string) {
		confs, err := ParseConfbridgeList(s)
		if err == nil {
			for _, c := range confs {
				if c.Parties < 0 {
					t.Fatalf("%+v", c)
				}
			}
		}
	})
}

func FuzzParseSIPSettings(f *testing.F) {
	addCaptures(f, "sip show settings")
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseSIPSettingsCodecs(s) })
}

func FuzzParseChannelStats(f *testing.F) {
	addCaptures(f, "sip show channelstats", "sip show channels", "pjsip show channelstats")
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) ([]RTPStats, error){ParseSIPChannelStats, ParsePJSIPChannelStats} {
			rows, err := parse(s)
			if err != nil {
				continue
			}
			for _, r := range rows {
				if math.IsNaN(r.RxJitter) || math.IsNaN(r.TxJitter) || math.IsNaN(r.RTT) || r.RxJitter < 0 {
					t.Fatalf("%+v", r)
				}
			}
		}
		_, _ = ParseSIPChannels(s)
	})
}

func FuzzParseVersion(f *testing.F) {
	addCaptures(f, "core show version")
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseVersion(s) })
}

func FuzzParseCoreShowChannel(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(captures, "cli", "*", "core-show-channel-*.raw"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok, err := ParseCoreShowChannel(s)
		if err == nil && ok && c.Channel == "" {
			t.Fatal("a channel without a name")
		}
	})
}

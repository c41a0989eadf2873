package outcome

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/voip-exporter/voip_exporter/esl"
	"github.com/voip-exporter/voip_exporter/quality"
)

const callsDir = "../testdata/freeswitch/calls"

// loadCall returns the captured events of a call, in arrival order.
func loadCall(tb testing.TB, call string) []*esl.Event {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(callsDir, call, "events-plain", "*.txt"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no events for %s: %v", call, err)
	}
	sort.Strings(names)
	var out []*esl.Event
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			tb.Fatal(err)
		}
		ev, err := esl.NewReader(bytes.NewReader(b), esl.ReaderOptions{}).ReadEvent()
		if err != nil {
			tb.Fatalf("%s: %v", n, err)
		}
		out = append(out, ev)
	}
	return out
}

// hangupOf returns a copy of a captured CHANNEL_HANGUP_COMPLETE as a map.
func hangupOf(tb testing.TB, call, id string) quality.MapFields {
	tb.Helper()
	for _, ev := range loadCall(tb, call) {
		if ev.Get("Event-Name") == "CHANNEL_HANGUP_COMPLETE" && ev.Get("Unique-ID") == id {
			m := quality.MapFields{}
			ev.Range(func(k, v string) bool { m[k] = v; return true })
			return m
		}
	}
	tb.Fatalf("%s: no hangup of %s", call, id)
	return nil
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func snapshot(t *testing.T, tr *Tracker, gateway, direction, domain string) Snapshot {
	t.Helper()
	for _, s := range tr.Snapshots() {
		if s.Gateway == gateway && s.Direction == direction && s.Domain == domain {
			return s
		}
	}
	t.Fatalf("no series %s/%s/%s in %+v", gateway, direction, domain, tr.Snapshots())
	return Snapshot{}
}

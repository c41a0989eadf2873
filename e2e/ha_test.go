package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/otlp/otlptest"
	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// TestHA runs three agents of the real binary with one configuration and one real redis-server over
// six simulated FreeSWITCH servers with calls up, and a real OTLP receiver: the leases spread 2/2/2,
// every instance's event-derived series come from exactly one agent, an agent killed with SIGKILL has
// its instances taken over within about the lease TTL, and every call — including those that span the
// takeover or end while nobody owns the instance — has exactly one record with the whole call's figures.
func TestHA(t *testing.T) {
	rs := redistest.Start(t)
	rec, recvAddr := startReceiver(t)
	const nInst = 6
	sims, fsCfg := startFSSims(t, nInst, 300*time.Millisecond)
	hangups := make([]*hangupLog, nInst)
	for i, s := range sims {
		hangups[i] = observeHangups(t, s.Addr())
	}
	cfgFor := func(agent string) string {
		return haConfig(fsCfg, rs.Addr(), recvAddr, t.TempDir(), agent, 2*time.Second)
	}
	agents := []*exporter{}
	for _, id := range []string{"agent-a", "agent-b", "agent-c"} {
		agents = append(agents, startExporter(t, cfgFor(id), "http"))
	}
	scrape := func(es []*exporter) []string {
		out := make([]string, len(es))
		for i, e := range es {
			_, out[i] = e.get("/metrics")
		}
		return out
	}
	// held sums voip_exporter_ha_leases_held per agent.
	held := func(es []*exporter) []int {
		var hs []int
		for _, b := range scrape(es) {
			v, _ := qSum(b, "voip_exporter_ha_leases_held")
			hs = append(hs, int(v))
		}
		return hs
	}
	waitFor(t, 20*time.Second, func() string {
		if h := held(agents); fmt.Sprint(h) != "[2 2 2]" {
			return fmt.Sprintf("leases held %v, want [2 2 2]", h)
		}
		return ""
	})

	// Calls on every instance; the truth is the simulators' own list.
	var all []string // every leg started in the run
	start := func(i int, specs ...fssim.CallSpec) []fssim.CallInfo {
		before := map[string]bool{}
		for _, c := range sims[i].Calls() {
			before[c.UUID] = true
		}
		for _, s := range specs {
			s.Duration = time.Hour
			if sims[i].StartCall(s) == "" {
				t.Fatal("call not started")
			}
		}
		var out []fssim.CallInfo
		for _, c := range sims[i].Calls() {
			if !before[c.UUID] {
				out = append(out, c)
			}
		}
		all = append(all, legsOf(out)...)
		return out
	}
	calls := make([][]fssim.CallInfo, nInst)
	for i := range nInst {
		calls[i] = start(i, fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "a.example", Bridged: true},
			fssim.CallSpec{Quality: fssim.QualityLossy, Codec: "PCMA", Domain: "b.example"},
			fssim.CallSpec{Quality: fssim.QualityJittery, Codec: "G722", Domain: "a.example", Direction: "outbound"})
	}
	liveTruth := func() int {
		n := 0
		for _, s := range sims {
			n += len(legsOf(s.Calls()))
		}
		return n
	}
	// sum() over the agents of the event-derived live-leg gauge equals the truth, and each instance's
	// series come from exactly one agent.
	additive := func(es []*exporter) string {
		bodies := scrape(es)
		total := 0.0
		for i := range nInst {
			owners := 0
			for _, b := range bodies {
				if v, ok := qSum(b, "freeswitch_quality_live_legs", fmt.Sprintf(`server="fs%d"`, i)); ok {
					owners++
					total += v
				}
			}
			if owners > 1 {
				return fmt.Sprintf("fs%d: live legs exported by %d agents", i, owners)
			}
		}
		if int(total) != liveTruth() {
			return fmt.Sprintf("sum(freeswitch_quality_live_legs) = %v, truth %d", total, liveTruth())
		}
		return ""
	}
	waitFor(t, 10*time.Second, func() string { return additive(agents) })
	for _, b := range scrape(agents) {
		promtoolCheck(t, b)
	}
	// Stand-bys take only the hangups: with RTCP flowing on every call for a while and no call ended yet,
	// no agent has received an event for an instance it does not own (FreeSWITCH sends them to the owner).
	time.Sleep(time.Second)
	for i, b := range scrape(agents) {
		if v, _ := qSum(b, "voip_exporter_ha_standby_events_total"); v > 2 {
			t.Errorf("agent %d received %v events as a stand-by before any hangup: the subscription was not narrowed", i, v)
		}
	}
	// The status page shows each instance's lease: owned here with its token, or who owns it.
	waitFor(t, 5*time.Second, func() string {
		_, page := agents[0].get("/")
		cells := regexp.MustCompile(`<td class="ha">([^<]*)</td>`).FindAllStringSubmatch(page, -1)
		owned, standing := 0, 0
		for _, c := range cells {
			switch {
			case regexp.MustCompile(`^owner · owner agent-a · token [1-9]\d* · held \d+ s$`).MatchString(c[1]):
				owned++
			case regexp.MustCompile(`^standby · owner agent-[bc] · token [1-9]\d*$`).MatchString(c[1]):
				standing++
			}
		}
		if owned != 2 || standing != 4 {
			return fmt.Sprintf("status page of agent-a: %d owned and %d stand-by instances, want 2 and 4: %q", owned, standing, cells)
		}
		return ""
	})

	// Some calls end under their first owner.
	for i := range nInst {
		sims[i].HangupCall(calls[i][1].UUID, "NORMAL_CLEARING")
	}
	// Which instances does agent-c own?
	_, hc := agents[2].get("/health")
	var health struct {
		Agent struct {
			ID         string `json:"id"`
			Agents     int    `json:"agents"`
			Quota      int    `json:"lease_quota"`
			LeasesHeld int    `json:"leases_held"`
		} `json:"ha_agent"`
		Instances []struct {
			Name           string `json:"name"`
			HAOwner        string `json:"ha_owner"`
			HAState        string `json:"ha_state"`
			HAFencingToken int64  `json:"ha_fencing_token"`
		} `json:"instances"`
	}
	if err := json.Unmarshal([]byte(hc), &health); err != nil {
		t.Fatal(err)
	}
	if a := health.Agent; a.ID != "agent-c" || a.Agents != 3 || a.Quota != 2 || a.LeasesHeld != 2 {
		t.Errorf("/health ha_agent of agent-c: %+v, want 3 agents, quota 2, 2 held", a)
	}
	var victims []int
	for _, in := range health.Instances {
		var n int
		fmt.Sscanf(in.Name, "fs%d", &n)
		if in.HAState == "owner" {
			victims = append(victims, n)
			if in.HAOwner != "agent-c" || in.HAFencingToken < 1 {
				t.Errorf("/health of an owned instance: %+v", in)
			}
		} else if in.HAOwner == "" || in.HAOwner == "agent-c" {
			t.Errorf("/health of a stand-by instance: %+v", in)
		}
	}
	if len(victims) != 2 {
		t.Fatalf("agent-c owns %v per /health, want 2 instances:\n%s", victims, hc)
	}
	// SIGKILL agent-c mid-call; a call on one of its instances ends while nobody owns it.
	killed := time.Now()
	if err := agents[2].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-agents[2].done
	sims[victims[0]].HangupCall(calls[victims[0]][2].UUID, "NORMAL_CLEARING")
	survivors := agents[:2]
	var takeover time.Duration
	waitFor(t, 15*time.Second, func() string {
		if h := held(survivors); h[0]+h[1] != nInst || h[0] != 3 {
			return fmt.Sprintf("leases held by the survivors %v", h)
		}
		takeover = time.Since(killed)
		return ""
	})
	t.Logf("takeover after SIGKILL: %v (lease ttl 2s, measured by polling)", takeover)
	// A call that starts after the takeover, and the remaining ones end under the new owners.
	for _, v := range victims {
		start(v, fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "c.example"})
	}
	waitFor(t, 10*time.Second, func() string { return additive(survivors) })
	for i := range nInst {
		sims[i].HangupAll()
	}
	waitFor(t, 20*time.Second, func() string {
		ids := map[string]bool{}
		for _, lr := range rec.Logs() {
			ids[attr(lr.GetAttributes(), "record_id")] = true
		}
		if len(ids) < len(all) {
			got := map[string]bool{}
			for _, lr := range rec.Logs() {
				got[attr(lr.GetAttributes(), "channel_id")] = true
			}
			var miss []string
			for _, l := range all {
				if !got[l] {
					miss = append(miss, l)
				}
			}
			var where []string
			for _, m := range miss {
				for n := range hangups {
					if h := hangups[n].get(m); h != nil {
						where = append(where, fmt.Sprintf("%s fs%d hangup %s", m[:8], n, h.Get("Event-Date-Timestamp")))
					}
				}
			}
			return fmt.Sprintf("%d distinct records received, want %d; missing %v (victims %v, killed %d)", len(ids), len(all), where, victims, killed.UnixMicro())
		}
		return ""
	})
	byLeg := map[string]map[string]bool{} // channel → record ids
	dups := 0
	seen := map[string]bool{}
	for _, lr := range rec.Logs() {
		a := lr.GetAttributes()
		id, ch, inst := attr(a, "record_id"), attr(a, "channel_id"), attr(a, "fs_instance")
		if seen[id] {
			dups++
			continue
		}
		seen[id] = true
		if byLeg[ch] == nil {
			byLeg[ch] = map[string]bool{}
		}
		byLeg[ch][id] = true
		var n int
		if _, err := fmt.Sscanf(inst, "fs%d", &n); err != nil {
			t.Errorf("record %s: fs_instance %q", id, inst)
			continue
		}
		h := hangups[n].get(ch)
		if h == nil {
			t.Errorf("record %s: no hangup seen", id)
			continue
		}
		// The whole call's figures: FreeSWITCH's end-of-call counters, whoever owned it when.
		for key, hdr := range map[string]string{"packets_in": "variable_rtp_audio_in_packet_count",
			"skip_packets_in": "variable_rtp_audio_in_skip_packet_count", "bytes_out": "variable_rtp_audio_out_media_bytes"} {
			var want float64
			fmt.Sscanf(h.Get(hdr), "%g", &want)
			if got := num(a, key); got != want {
				t.Errorf("%s: %s = %v, want %v", id, key, got, want)
			}
		}
		if attr(a, "domain_name") != h.Get("variable_domain_name") {
			t.Errorf("%s: domain %q, want %q", id, attr(a, "domain_name"), h.Get("variable_domain_name"))
		}
	}
	var missing []string
	for _, leg := range all {
		if len(byLeg[leg]) != 1 {
			missing = append(missing, fmt.Sprintf("%s:%d", leg, len(byLeg[leg])))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("legs without exactly one distinct record: %v", missing)
	}
	if len(seen) != len(all) {
		t.Errorf("%d distinct records for %d legs", len(seen), len(all))
	}
	t.Logf("legs %d, records %d, duplicates (same record_id, dropped by the receiver) %d", len(all), len(rec.Logs()), dups)
	waitFor(t, 10*time.Second, func() string { return additive(survivors) })
	var takeovers float64
	for _, b := range scrape(survivors) {
		v, _ := qSum(b, "voip_exporter_ha_takeovers_total")
		takeovers += v
	}
	if takeovers < nInst {
		t.Errorf("survivors' takeovers_total = %v, want ≥ %d", takeovers, nInst)
	}
	// Each agent exports its OTLP metrics under its own resource (service.instance.id = agent id), so the
	// receiver adds their streams instead of mixing them.
	resources := map[string]bool{}
	for _, rm := range rec.Metrics() {
		resources[attr(rm.GetResource().GetAttributes(), "service.instance.id")] = true
	}
	for _, id := range []string{"agent-a", "agent-b", "agent-c"} {
		if !resources[id] {
			t.Errorf("no OTLP metrics with service.instance.id=%s (got %v)", id, resources)
		}
	}
	// The new owners resumed the killed agent's live legs from Redis (RTCP history included), not
	// only what FreeSWITCH's channel list tells: each victim's takeover loaded at least its bridged call's
	// two legs, which were up long before the kill.
	taken := regexp.MustCompile(`msg="ha: instance taken over" kind=freeswitch server=(fs\d) fencing_token=(\d+) legs_loaded=(\d+)`)
	loaded := map[string]int{}
	for _, m := range taken.FindAllStringSubmatch(agents[0].logs.String()+agents[1].logs.String(), -1) {
		if tok, _ := strconv.Atoi(m[2]); tok >= 2 { // a takeover, not a first acquisition
			n, _ := strconv.Atoi(m[3])
			loaded[m[1]] = max(loaded[m[1]], n)
		}
	}
	for _, v := range victims {
		if n := loaded[fmt.Sprintf("fs%d", v)]; n < 2 {
			t.Errorf("fs%d taken over with %d legs loaded from Redis, want the live legs (≥ 2)", v, n)
		}
	}

	// Pause agent-a (SIGSTOP) past its lease: agent-b takes everything. Calls end meanwhile.
	a, b := agents[0], agents[1]
	more := make([][]fssim.CallInfo, nInst)
	for i := range nInst {
		more[i] = start(i, fssim.CallSpec{Quality: fssim.QualityLossy, Codec: "PCMU", Domain: "p.example", Bridged: true})
	}
	waitFor(t, 10*time.Second, func() string { return additive(survivors) })
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	defer func() {
		if stopped {
			_ = a.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	waitFor(t, 15*time.Second, func() string {
		if h := held([]*exporter{b}); h[0] != nInst {
			return fmt.Sprintf("agent-b holds %v while agent-a is paused", h)
		}
		return ""
	})
	for i := range nInst {
		sims[i].HangupCall(more[i][0].UUID, "NORMAL_CLEARING")
	}
	// agent-a resumes: it must not export (nor write) for the instances it lost, and rejoins as a stand-by
	// that gets its share back one lease at a time.
	_ = a.cmd.Process.Signal(syscall.SIGCONT)
	stopped = false
	if msg := additive(survivors); strings.Contains(msg, "exported by 2 agents") {
		t.Errorf("right after resuming: %s", msg)
	}
	waitFor(t, 15*time.Second, func() string {
		if h := held(survivors); h[0] != 3 || h[1] != 3 {
			return fmt.Sprintf("leases after agent-a resumed %v, want [3 3]", h)
		}
		return ""
	})
	if !strings.Contains(a.logs.String(), "lease lost") {
		t.Error("agent-a did not log that it lost its leases")
	}
	// A fourth and a fifth agent join (four alive): at most ceil(6/4) = 2 leases each, moved one at a time.
	for _, id := range []string{"agent-d", "agent-e"} {
		agents = append(agents, startExporter(t, cfgFor(id), "http"))
	}
	live := []*exporter{a, b, agents[3], agents[4]}
	waitFor(t, 20*time.Second, func() string {
		h := held(live)
		total := 0
		for _, n := range h {
			total += n
			if n > 2 || n < 1 {
				return fmt.Sprintf("leases %v, want 1 or 2 each (at most ceil(6/4))", h)
			}
		}
		if total != nInst {
			return fmt.Sprintf("leases %v, want %d in all", h, nInst)
		}
		return ""
	})
	waitFor(t, 10*time.Second, func() string { return additive(live) })
	for i := range nInst {
		sims[i].HangupAll()
	}
	checkOneRecordPerLeg(t, rec, all, "after pause and rebalance")

	// Redis unreachable (frozen, data kept) for longer than the lease: every owner steps down and no agent
	// exports an instance's event series; calls that end before the step-down (records kept in memory) and
	// after it (hangups kept by the stand-bys) get their record once Redis is back and the leases are taken.
	outage := make([][]fssim.CallInfo, nInst)
	for i := range nInst {
		outage[i] = start(i, fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMA", Domain: "o.example"},
			fssim.CallSpec{Quality: fssim.QualityLossy, Codec: "PCMU", Domain: "o.example"},
			fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU", Domain: "o.example"})
	}
	waitFor(t, 10*time.Second, func() string { return additive(live) })
	rs.Pause()
	paused := time.Now()
	resumed := false
	defer func() {
		if !resumed {
			rs.Resume()
		}
	}()
	for i := range nInst {
		sims[i].HangupCall(outage[i][0].UUID, "NORMAL_CLEARING")
	}
	var stepDown time.Duration
	waitFor(t, 10*time.Second, func() string {
		bodies := scrape(live)
		for i := range nInst {
			owners := 0
			for _, b := range bodies {
				if _, ok := qSum(b, "freeswitch_quality_live_legs", fmt.Sprintf(`server="fs%d"`, i)); ok {
					owners++
				}
			}
			if owners > 1 {
				t.Errorf("Redis down: fs%d's event series exported by %d agents", i, owners)
			}
		}
		if h := held(live); fmt.Sprint(h) != "[0 0 0 0]" {
			return fmt.Sprintf("Redis down %v: leases still held %v", time.Since(paused).Round(time.Millisecond), h)
		}
		for i := range nInst {
			for _, b := range bodies {
				if _, ok := qSum(b, "freeswitch_quality_live_legs", fmt.Sprintf(`server="fs%d"`, i)); ok {
					return fmt.Sprintf("fs%d's event series still exported with no lease held", i)
				}
			}
		}
		stepDown = time.Since(paused)
		return ""
	})
	t.Logf("Redis frozen: every owner stepped down after %v (lease ttl 2s)", stepDown)
	for i := range nInst {
		sims[i].HangupCall(outage[i][1].UUID, "NORMAL_CLEARING")
	}
	var lost float64
	var stepped int
	for _, e := range live {
		_, h := e.get("/health")
		stepped += strings.Count(h, `"ha_state": "stepped_down`)
		_, b := e.get("/metrics")
		v, _ := qSum(b, "voip_exporter_ha_leases_lost_total")
		lost += v
	}
	if lost < nInst || stepped == 0 {
		t.Errorf("Redis down: leases_lost_total %v (want ≥ %d), %d stepped-down instances on /health", lost, nInst, stepped)
	}
	time.Sleep(time.Until(paused.Add(3 * time.Second))) // longer than the lease
	rs.Resume()
	resumed = true
	waitFor(t, 20*time.Second, func() string {
		h := held(live)
		total := 0
		for _, n := range h {
			total += n
			if n > 2 {
				return fmt.Sprintf("leases %v after Redis returned: over ceil(6/4)", h)
			}
		}
		if total != nInst {
			return fmt.Sprintf("leases %v after Redis returned, want %d in all", h, nInst)
		}
		return additive(live)
	})
	for i := range nInst {
		sims[i].HangupAll()
	}
	checkOneRecordPerLeg(t, rec, all, "after the Redis outage")
	_, last := a.get("/metrics")
	checkMetricsDoc(t, last, "../docs/metrics-ha.md",
		"an agent of three to five sharing six simulated FreeSWITCH servers through a real Redis, after takeovers, a pause and a Redis outage (`e2e/ha_test.go`)",
		func(name string) bool { return strings.HasPrefix(name, "voip_exporter_ha_") })
}

// haConfig is one agent's configuration in an HA group: the FreeSWITCH list (YAML items), Redis, the OTLP
// receiver with fast retries, and the lease.
func haConfig(freeswitch, redis, receiver, dir, agent string, leaseTTL time.Duration) string {
	return fmt.Sprintf(`global:
  timeout: 2s
freeswitch:
%sstorage:
  type: redis
  redis:
    address: %s
otlp:
  endpoint: %s
  insecure: true
  timeout: 2s
  metric_interval: 1s
  queue:
    dir: %s
  retry:
    initial_interval: 100ms
    max_interval: 500ms
ha:
  enabled: true
  agent_id: %s
  lease_ttl: %s
  claim_idle: 2s
`, freeswitch, redis, receiver, filepath.Join(dir, "q"), agent, leaseTTL)
}

// startReceiver starts a real OTLP/gRPC receiver on a free loopback port for the test.
func startReceiver(tb testing.TB) (*otlptest.Received, string) {
	rec := &otlptest.Received{}
	recv, err := otlptest.StartGRPC("127.0.0.1:0", rec, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(recv.Stop)
	return rec, recv.Addr()
}

// startFSSims starts n simulated FreeSWITCH servers named fs0… and returns them with their
// configuration list (YAML items under freeswitch:).
func startFSSims(tb testing.TB, n int, rtcp time.Duration) ([]*fssim.Server, string) {
	sims := make([]*fssim.Server, n)
	var cfg strings.Builder
	for i := range sims {
		s := fssim.New(fssim.Config{RTCPInterval: rtcp})
		if err := s.Start("127.0.0.1:0"); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		sims[i] = s
		fmt.Fprintf(&cfg, "  - name: fs%d\n    address: %s\n", i, s.Addr())
	}
	return sims, cfg.String()
}

// checkOneRecordPerLeg waits until the receiver holds a record for every leg, then checks that each leg
// has exactly one distinct record (the same record_id sent twice is a duplicate a receiver drops).
func checkOneRecordPerLeg(t *testing.T, rec *otlptest.Received, legs []string, phase string) {
	t.Helper()
	var perLeg map[string]int
	var distinct int
	waitFor(t, 20*time.Second, func() string {
		perLeg, distinct = map[string]int{}, 0
		seen := map[string]bool{}
		for _, lr := range rec.Logs() {
			a := lr.GetAttributes()
			if id := attr(a, "record_id"); !seen[id] {
				seen[id] = true
				distinct++
				perLeg[attr(a, "channel_id")]++
			}
		}
		if distinct < len(legs) {
			return fmt.Sprintf("%s: %d distinct records received, want %d", phase, distinct, len(legs))
		}
		return ""
	})
	for _, leg := range legs {
		if perLeg[leg] != 1 {
			t.Errorf("%s: leg %s has %d distinct records, want 1", phase, leg, perLeg[leg])
		}
	}
	if distinct != len(legs) {
		t.Errorf("%s: %d distinct records for %d legs", phase, distinct, len(legs))
	}
	t.Logf("%s: legs %d, records %d (duplicates %d)", phase, len(legs), len(rec.Logs()), len(rec.Logs())-distinct)
}

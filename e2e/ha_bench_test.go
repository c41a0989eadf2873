package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	fssim "github.com/voip-exporter/voip_exporter/sim/freeswitch"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// These benchmarks measure an HA group of real agents (the binary) on a real redis-server; they report
// their figures with b.ReportMetric. `make bench` runs BenchmarkHATakeover ten times (-benchtime=10x).

// ownOneEach is "" when every agent owns exactly one instance, else what is wrong.
func ownOneEach(agents []*exporter) string {
	for i, a := range agents {
		if n := len(haOwners(a)); n != 1 {
			return fmt.Sprintf("agent %d owns %d instances, want 1 each", i, n)
		}
	}
	return ""
}

// haOwners reads each agent's /health: instance → owner agent id, as the agent itself claims it.
func haOwners(e *exporter) map[string]bool {
	_, body := e.get("/health")
	var h struct {
		Instances []struct {
			Name    string `json:"name"`
			HAState string `json:"ha_state"`
		} `json:"instances"`
	}
	owned := map[string]bool{}
	if json.Unmarshal([]byte(body), &h) == nil {
		for _, in := range h.Instances {
			if in.HAState == "owner" {
				owned[in.Name] = true
			}
		}
	}
	return owned
}

// BenchmarkHATakeover: two agents share two simulated FreeSWITCH servers with calls up; each iteration
// SIGKILLs the owner of fs0 mid-call (a call ends in the gap), measures the time until the survivor owns
// both instances, ends the calls and starts a fresh agent. Reports the median and maximum takeover time,
// and at the end the calls without a record at the real OTLP receiver (lost) and the records received twice.
func BenchmarkHATakeover(b *testing.B) {
	const ttl = 2 * time.Second
	rs := redistest.Start(b)
	rec, recvAddr := startReceiver(b)
	sims, fsCfg := startFSSims(b, 2, 300*time.Millisecond)
	next := 0
	newAgent := func() *exporter {
		next++
		return startExporter(b, haConfig(fsCfg, rs.Addr(), recvAddr, b.TempDir(), "agent-"+strconv.Itoa(next), ttl), "http")
	}
	agents := []*exporter{newAgent(), newAgent()}
	spread := func() string { return ownOneEach(agents) }
	waitFor(b, 30*time.Second, spread)
	var legs []string
	var takeovers []time.Duration
	b.ResetTimer()
	for range b.N {
		for _, s := range sims {
			for _, q := range []fssim.Quality{fssim.QualityGood, fssim.QualityLossy} {
				s.StartCall(fssim.CallSpec{Quality: q, Codec: "PCMU", Bridged: true})
			}
			legs = append(legs, legsOf(s.Calls())...)
		}
		time.Sleep(500 * time.Millisecond) // RTCP flows under the first owner
		victim, survivor := agents[0], agents[1]
		if !haOwners(victim)["fs0"] {
			victim, survivor = survivor, victim
		}
		killed := time.Now()
		if err := victim.cmd.Process.Kill(); err != nil {
			b.Fatal(err)
		}
		<-victim.done
		sims[0].HangupCall(sims[0].Calls()[0].UUID, "NORMAL_CLEARING") // ends while nobody owns fs0
		for len(haOwners(survivor)) != len(sims) {
			if time.Since(killed) > 10*ttl {
				b.Fatalf("no takeover %v after SIGKILL", time.Since(killed))
			}
			time.Sleep(10 * time.Millisecond)
		}
		takeovers = append(takeovers, time.Since(killed))
		for _, s := range sims {
			s.HangupAll()
		}
		agents = []*exporter{survivor, newAgent()}
		waitFor(b, 30*time.Second, spread)
	}
	b.StopTimer()
	var lost, dups int
	waitFor(b, 30*time.Second, func() string {
		got := map[string]int{}
		for _, lr := range rec.Logs() {
			got[attr(lr.GetAttributes(), "channel_id")]++
		}
		lost, dups = 0, 0
		for _, l := range legs {
			if got[l] == 0 {
				lost++
			}
			dups += max(got[l]-1, 0)
		}
		if lost > 0 {
			return fmt.Sprintf("%d of %d legs without a record", lost, len(legs))
		}
		return ""
	})
	slices.Sort(takeovers)
	b.ReportMetric(float64(takeovers[len(takeovers)/2].Milliseconds()), "takeover-median-ms")
	b.ReportMetric(float64(takeovers[len(takeovers)-1].Milliseconds()), "takeover-max-ms")
	b.ReportMetric(float64(lost), "records-lost")
	b.ReportMetric(float64(dups), "duplicates")
	b.Logf("lease ttl %v; takeovers %v; legs %d, lost %d, duplicates %d", ttl, takeovers, len(legs), lost, dups)
}

// redisCommands is Redis's count of commands processed, by command (INFO commandstats).
func redisCommands(b *testing.B, c *redis.Client) map[string]float64 {
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		v, _ := strconv.ParseFloat(n, 64)
		out[strings.TrimPrefix(name, "cmdstat_")] = v
	}
	return out
}

// BenchmarkHARedisOpsPerEvent: an owner and a stand-by on one simulated FreeSWITCH sending about 1,000
// events/s (50 calls' RTCP every 100 ms, two new 2-second calls a second), with the default lease (15s)
// and OTLP on. Reports the Redis commands per event processed by the owner (every command of both agents:
// leases, heartbeats, leg state, claims and the record stream), and the events/s achieved.
func BenchmarkHARedisOpsPerEvent(b *testing.B) {
	rs := redistest.Start(b)
	_, recvAddr := startReceiver(b)
	sims, fsCfg := startFSSims(b, 1, 100*time.Millisecond)
	sim := sims[0]
	agents := []*exporter{
		startExporter(b, haConfig(fsCfg, rs.Addr(), recvAddr, b.TempDir(), "agent-1", 15*time.Second), "http"),
		startExporter(b, haConfig(fsCfg, rs.Addr(), recvAddr, b.TempDir(), "agent-2", 15*time.Second), "http"),
	}
	var owner *exporter
	waitFor(b, 30*time.Second, func() string {
		for _, a := range agents {
			if haOwners(a)["fs0"] {
				owner = a
				return ""
			}
		}
		return "nobody owns fs0 yet"
	})
	for range 50 {
		sim.StartCall(fssim.CallSpec{Quality: fssim.QualityGood, Codec: "PCMU"})
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sim.StartCall(fssim.CallSpec{Quality: fssim.QualityLossy, Codec: "PCMA", Duration: 2 * time.Second})
			}
		}
	}()
	time.Sleep(3 * time.Second) // the churn reaches its steady state
	c := redis.NewClient(&redis.Options{Addr: rs.Addr(), Protocol: 2, DisableIdentity: true})
	defer c.Close()
	events := func() float64 {
		_, body := owner.get("/metrics")
		v, _ := qSum(body, "voip_exporter_esl_events_read_total", `server="fs0"`)
		return v
	}
	b.ResetTimer()
	cmd0, ev0, t0 := redisCommands(b, c), events(), time.Now()
	for range b.N {
		time.Sleep(5 * time.Second)
	}
	cmd1, ev1, el := redisCommands(b, c), events(), time.Since(t0)
	b.StopTimer()
	total := 0.0
	type kv struct {
		k string
		v float64
	}
	var per []kv
	for k, v := range cmd1 {
		if k == "info" {
			continue
		}
		total += v - cmd0[k]
		per = append(per, kv{k, v - cmd0[k]})
	}
	sort.Slice(per, func(i, j int) bool { return per[i].v > per[j].v })
	ev := ev1 - ev0
	if ev == 0 {
		b.Fatal("no events in the window")
	}
	b.ReportMetric(total/ev, "redis-ops/event")                           // every command, those run inside Lua scripts included
	b.ReportMetric((cmd1["evalsha"]-cmd0["evalsha"])/ev, "scripts/event") // fenced writes, claims, lease renewals
	b.ReportMetric(ev/el.Seconds(), "events/s")
	var top []string
	for _, p := range per[:min(len(per), 8)] {
		top = append(top, fmt.Sprintf("%s %.0f", p.k, p.v))
	}
	b.Logf("%.0f events in %v, %.0f Redis commands (%s)", ev, el.Round(time.Millisecond), total, strings.Join(top, ", "))
}

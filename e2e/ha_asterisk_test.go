package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	simast "github.com/voip-exporter/voip_exporter/sim/asterisk"
	"github.com/voip-exporter/voip_exporter/store/redistest"
)

// TestHAAsterisk: two agents watch one simulated Asterisk over AMI with RTCP events. The RTCP series
// (event-derived) come from the lease owner only, the polled ones from both; when the owner is killed the
// other agent, which kept tracking the reports while standing by, exports them within about the lease.
func TestHAAsterisk(t *testing.T) {
	rs := redistest.Start(t)
	pbx := startAsteriskSim(t)
	if err := asteriskErr(pbx.StartCall(simast.CallSpec{Tech: "PJSIP", From: "2031", To: "2032", RTT: 15 * time.Millisecond})); err != nil {
		t.Fatal(err)
	}
	cfg := func(agent string) string {
		return fmt.Sprintf(`global:
  timeout: 3s
asterisk:
  - name: pbx
    address: %s
    username: exporter
    secret: exporterpass
storage:
  type: redis
  redis:
    address: %s
ha:
  enabled: true
  agent_id: %s
  lease_ttl: 2s
`, pbx.Addr(), rs.Addr(), agent)
	}
	agents := []*exporter{startExporter(t, cfg("agent-a"), "http"), startExporter(t, cfg("agent-b"), "http")}
	const rtt = `asterisk_rtcp_rtt_seconds{peer="2031",server="pbx",technology="PJSIP"}`
	owner := -1
	waitFor(t, 20*time.Second, func() string {
		exporting, owned := []int{}, 0.0
		for i, a := range agents {
			_, body := a.get("/metrics")
			if sample(body, `asterisk_up{server="pbx"}`) != "1" {
				return fmt.Sprintf("agent %d: pbx not up (polled series come from every agent)", i)
			}
			if sample(body, rtt) != "" {
				exporting = append(exporting, i)
			}
			v, _ := qSum(body, "voip_exporter_ha_lease_owned", `server="pbx"`)
			owned += v
		}
		if len(exporting) != 1 || owned != 1 {
			return fmt.Sprintf("RTCP series exported by agents %v, lease_owned sum %v: want exactly one", exporting, owned)
		}
		owner = exporting[0]
		return ""
	})
	_, h := agents[owner].get("/health")
	if !strings.Contains(h, `"ha_state": "owner"`) {
		t.Errorf("owner's /health lacks the lease state:\n%s", h)
	}
	other := agents[1-owner]
	if err := agents[owner].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	waitFor(t, 15*time.Second, func() string {
		_, body := other.get("/metrics")
		if v := sample(body, rtt); v != "0.015" {
			return fmt.Sprintf("survivor's RTT %q, want 0.015", v)
		}
		return ""
	})
	t.Logf("Asterisk RTCP series moved to the survivor %v after SIGKILL (lease ttl 2s)", time.Since(killed))
}

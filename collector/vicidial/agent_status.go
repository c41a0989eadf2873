package vicidial

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	agentStatus = newDesc("agent", "status",
		"Per agent, 1 for the agent's current state as the Real-Time report shows it (READY, CLOSER, QUEUE, MQUEUE, INCALL, 3-WAY, DEAD, DISPO, PAUSED) and the campaign it is logged into. Seed 004: asterisk_agent_status.",
		"agent", "status", "campaign")
	agentStateDuration = newDesc("agent", "state_duration_seconds",
		"Per agent, time in the current state, by the Real-Time report's rules (calls from last_call_time, other states from last_state_change). New; not in seed 004.",
		"agent")
	agentInCallDuration = newDesc("agent", "incall_duration_seconds",
		"Per agent on a live call (INCALL, QUEUE, MQUEUE, 3-WAY), time on that call. Seed 004: asterisk_agent_incall_duration_seconds.",
		"agent")
	agentCallsToday = newDesc("agent", "calls_today",
		"Per agent, calls handled today (vicidial_live_agents.calls_today; ViciDial resets it daily). New; not in seed 004.",
		"agent")
)

// agentStatusScraper exports one set of series per logged-in agent. Agents
// are a few hundred at most, so the agent label is bounded; turn the
// collector off (--no-collector.vicidial.agent_status) where it is not wanted.
type agentStatusScraper struct{}

func (agentStatusScraper) Name() string { return "agent_status" }
func (agentStatusScraper) Help() string {
	return "per-agent state, time in state, time on call and calls today (vicidial_live_agents)"
}
func (agentStatusScraper) Default() bool { return true }

func (s agentStatusScraper) Scrape(ctx context.Context, db *DB, ch chan<- prometheus.Metric) error {
	agents, err := queryLiveAgents(ctx, db)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(agents))
	for i := range agents {
		a := &agents[i]
		// One session per user is ViciDial's rule; a stale duplicate row
		// would make duplicate series, so the first (oldest) row wins.
		if seen[label(a.User)] {
			continue
		}
		seen[label(a.User)] = true
		gauge(ch, agentStatus, 1, a.User, a.State, a.Campaign)
		if a.StateSeconds >= 0 {
			gauge(ch, agentStateDuration, float64(a.StateSeconds), a.User)
			if a.InCall() {
				gauge(ch, agentInCallDuration, float64(a.StateSeconds), a.User)
			}
		}
		gauge(ch, agentCallsToday, float64(a.CallsToday), a.User)
	}
	return nil
}

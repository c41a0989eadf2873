package vicidial

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	agentsLoggedIn = newDesc("agents", "logged_in",
		"Agents logged in (rows of vicidial_live_agents with a server_ip). Seed 004: asterisk_agents_logged_in.")
	agentsInCall = newDesc("agents", "incall",
		"Agents on a live call: INCALL, QUEUE, MQUEUE and 3-WAY as the Real-Time report counts them, dead calls excluded. Seed 004: asterisk_agents_incall (which counted dead calls too).")
	agentsPaused = newDesc("agents", "paused",
		"Agents paused with no call to wrap up (the Real-Time report's \"paused agents\"). Seed 004: asterisk_agents_paused (which counted DISPO agents too).")
	agentsWaiting = newDesc("agents", "waiting",
		"Agents waiting for a call: READY or CLOSER with no call to wrap up (the Real-Time report's \"agents waiting\"). Seed 004: asterisk_agents_waiting.")
	agentsDead = newDesc("agents", "in_dead_calls",
		"Agents INCALL whose call is gone from vicidial_auto_calls (the Real-Time report's \"agents in dead calls\"). New; not in seed 004.")
	agentsDispo = newDesc("agents", "dispo",
		"Agents READY or PAUSED with a lead: wrapping up (dispositioning) their last call (the Real-Time report's DISPO). New; not in seed 004.")
)

// agentsScraper counts agents per Real-Time report state, from liveAgentsQuery.
type agentsScraper struct{}

func (agentsScraper) Name() string { return "agents" }
func (agentsScraper) Help() string {
	return "agents logged in, in call, paused, waiting, in dead calls and wrapping up (vicidial_live_agents)"
}
func (agentsScraper) Default() bool { return true }

func (s agentsScraper) Scrape(ctx context.Context, db *DB, ch chan<- prometheus.Metric) error {
	agents, err := queryLiveAgents(ctx, db)
	if err != nil {
		return err
	}
	var inCall, paused, waiting, dead, dispo float64
	for i := range agents {
		a := &agents[i]
		switch {
		case a.InCall():
			inCall++
		case a.State == StatePaused:
			paused++
		case a.State == StateReady || a.State == StateCloser:
			waiting++
		case a.State == StateDead:
			dead++
		case a.State == StateDispo:
			dispo++
		}
	}
	gauge(ch, agentsLoggedIn, float64(len(agents)))
	gauge(ch, agentsInCall, inCall)
	gauge(ch, agentsPaused, paused)
	gauge(ch, agentsWaiting, waiting)
	gauge(ch, agentsDead, dead)
	gauge(ch, agentsDispo, dispo)
	return nil
}

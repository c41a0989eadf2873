package vicidial

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// NoPauseCode is the pause_code label of an agent paused without a code
// (seed 004's convention).
const NoPauseCode = "NONE"

var (
	agentPauseDuration = newDesc("agent", "pause_duration_seconds",
		"Per paused agent (PAUSED, not wrapping up a call), time since the pause began. Seed 004: asterisk_agent_pause_duration_seconds.",
		"agent")
	agentPauseCode = newDesc("agent", "pause_code",
		"Per paused agent, 1 for its pause code (vicidial_live_agents.pause_code; NONE when none was chosen). Seed 004: asterisk_agent_pause_code.",
		"agent", "pause_code")
	agentsPausedByCode = newDesc("agents", "paused_by_code",
		"Paused agents per pause code (NONE when none was chosen). New; not in seed 004.",
		"pause_code")
)

// pausesScraper exports the paused agents' pause codes and durations.
type pausesScraper struct{}

func (pausesScraper) Name() string { return "pauses" }
func (pausesScraper) Help() string {
	return "paused agents: pause code and pause duration per agent, agents per pause code (vicidial_live_agents)"
}
func (pausesScraper) Default() bool { return true }

func (s pausesScraper) Scrape(ctx context.Context, db *DB, ch chan<- prometheus.Metric) error {
	agents, err := queryLiveAgents(ctx, db)
	if err != nil {
		return err
	}
	byCode := map[string]float64{}
	var order []string
	seen := map[string]bool{}
	for i := range agents {
		a := &agents[i]
		if a.State != StatePaused {
			continue
		}
		if seen[label(a.User)] {
			continue // a stale duplicate session: see agentStatusScraper
		}
		seen[label(a.User)] = true
		code := label(a.PauseCode)
		if code == "" {
			code = NoPauseCode
		}
		if a.StateSeconds >= 0 {
			gauge(ch, agentPauseDuration, float64(a.StateSeconds), a.User)
		}
		gauge(ch, agentPauseCode, 1, a.User, code)
		if _, ok := byCode[code]; !ok {
			order = append(order, code)
		}
		byCode[code]++
	}
	for _, code := range order {
		gauge(ch, agentsPausedByCode, byCode[code], code)
	}
	return nil
}

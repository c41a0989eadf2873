package vicidial

import (
	"context"
	"database/sql"
	"strings"
)

// liveAgentsQuery reads the agents' sessions (vicidial_live_agents) and, for
// each, whether the dialer still has its call (vicidial_auto_calls): an agent
// INCALL whose call is gone is on a dead call. Durations are computed by the
// database, against its own clock and time zone, as ViciDial writes them.
// server_ip = ” marks a session being torn down (seed 004's filter).
const liveAgentsQuery = `SELECT vla.user, vla.status, vla.campaign_id, vla.lead_id, vla.pause_code, vla.comments, vla.calls_today,
 TIMESTAMPDIFF(SECOND, vla.last_state_change, NOW()),
 TIMESTAMPDIFF(SECOND, vla.last_call_time, NOW()),
 EXISTS (SELECT 1 FROM vicidial_auto_calls vac WHERE vac.callerid = vla.callerid)
FROM vicidial_live_agents vla
WHERE vla.server_ip != ''
ORDER BY vla.live_agent_id
LIMIT 10001`

// The states of an agent as ViciDial's Real-Time Main Report shows them
// (www/vicidial/AST_timeonVDADall.php): the status column of
// vicidial_live_agents, refined.
const (
	StateReady    = "READY"
	StateCloser   = "CLOSER" // ready for inbound calls
	StateQueue    = "QUEUE"  // a call is being sent to the agent
	StateMQueue   = "MQUEUE" // a manual-dial call is being sent to the agent
	StateInCall   = "INCALL"
	StatePaused   = "PAUSED"
	StateDead     = "DEAD"  // INCALL, but the call is gone from vicidial_auto_calls
	StateDispo    = "DISPO" // READY or PAUSED with a lead: wrapping up the last call
	StateThreeWay = "3-WAY" // more than one agent INCALL on the same lead
)

// LiveAgent is one logged-in agent, from vicidial_live_agents.
type LiveAgent struct {
	User       string
	Status     string // the column as stored: READY, QUEUE, INCALL, PAUSED, CLOSER, MQUEUE
	Campaign   string
	LeadID     int64
	PauseCode  string
	Comments   string // AUTO, INBOUND, MANUAL, EMAIL, CHAT…
	CallsToday int64
	// SinceStateChange and SinceCall are the seconds since last_state_change
	// and last_call_time; -1 when the column is NULL.
	SinceStateChange int64
	SinceCall        int64
	HasCall          bool // the agent's callerid is in vicidial_auto_calls

	// State is the Real-Time report's state; StateSeconds how long the agent
	// has been in it, by the report's rules.
	State        string
	StateSeconds int64
}

// InCall reports whether the agent is on a live call (the report's
// "agents in calls": INCALL, QUEUE, MQUEUE and 3-WAY).
func (a *LiveAgent) InCall() bool {
	switch a.State {
	case StateInCall, StateQueue, StateMQueue, StateThreeWay:
		return true
	}
	return false
}

// liveAgentsName names the query in errors and in the one-time log line.
const liveAgentsName = "live_agents"

// queryLiveAgents returns the agents with their states. The agents,
// agent_status and pauses collectors all need them and run at the same time:
// callers that arrive while the query is running share its result, so a
// scrape reads vicidial_live_agents once. The result is not kept afterwards.
func queryLiveAgents(ctx context.Context, db *DB) ([]LiveAgent, error) {
	db.mu.Lock()
	f := db.agentsFlight
	if f == nil {
		f = &agentsFlight{done: make(chan struct{})}
		db.agentsFlight = f
		go func() {
			f.agents, f.err = fetchLiveAgents(ctx, db)
			db.mu.Lock()
			db.agentsFlight = nil
			db.mu.Unlock()
			close(f.done)
		}()
	}
	db.mu.Unlock()
	select {
	case <-f.done:
		return f.agents, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// agentsFlight is one running liveAgentsQuery and, once done is closed, its
// result (read-only for every sharer).
type agentsFlight struct {
	done   chan struct{}
	agents []LiveAgent
	err    error
}

func fetchLiveAgents(ctx context.Context, db *DB) ([]LiveAgent, error) {
	collector := liveAgentsName
	rows, err := db.query(ctx, collector, liveAgentsQuery)
	if err != nil {
		return nil, err
	}
	var agents []LiveAgent
	err = db.scanAll(collector, rows, func() error {
		var (
			user, status, campaign, pause, comments sql.NullString
			lead, calls, sinceState, sinceCall      sql.NullInt64
			hasCall                                 bool
		)
		if err := rows.Scan(&user, &status, &campaign, &lead, &pause, &comments, &calls, &sinceState, &sinceCall, &hasCall); err != nil {
			return err
		}
		agents = append(agents, LiveAgent{
			User: user.String, Status: status.String, Campaign: campaign.String, LeadID: lead.Int64,
			PauseCode: pause.String, Comments: comments.String, CallsToday: calls.Int64,
			SinceStateChange: nullSeconds(sinceState), SinceCall: nullSeconds(sinceCall), HasCall: hasCall,
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	DeriveStates(agents)
	return agents, nil
}

func nullSeconds(v sql.NullInt64) int64 {
	if !v.Valid {
		return -1
	}
	return v.Int64
}

// DeriveStates sets State and StateSeconds of every agent the way the
// Real-Time Main Report does:
//   - an agent whose lead has more than one agent INCALL is 3-WAY, timed
//     from the most recent of those agents' last_call_time;
//   - READY, CLOSER or PAUSED with a lead is DISPO (wrapping up);
//   - INCALL whose call is no longer in vicidial_auto_calls is DEAD (unless
//     the session is an email or chat);
//   - INCALL, QUEUE and MQUEUE are timed from last_call_time, every other
//     state from last_state_change.
func DeriveStates(agents []LiveAgent) {
	type lead struct {
		inCall     int
		mostRecent int64 // smallest SinceCall of its INCALL agents
	}
	leads := map[int64]*lead{}
	for i := range agents {
		a := &agents[i]
		if a.LeadID == 0 || a.Status != StateInCall {
			continue
		}
		l := leads[a.LeadID]
		if l == nil {
			l = &lead{mostRecent: -1}
			leads[a.LeadID] = l
		}
		l.inCall++
		if a.SinceCall >= 0 && (l.mostRecent < 0 || a.SinceCall < l.mostRecent) {
			l.mostRecent = a.SinceCall
		}
	}
	for i := range agents {
		a := &agents[i]
		a.State = a.Status
		if l := leads[a.LeadID]; a.LeadID != 0 && l != nil && l.inCall > 1 {
			a.State, a.StateSeconds = StateThreeWay, l.mostRecent
			continue
		}
		switch a.Status {
		case StateReady, StateCloser, StatePaused:
			// The report tests /READY|PAUSED/, which CLOSER does not match.
			if a.LeadID > 0 && a.Status != StateCloser {
				a.State = StateDispo
			}
		case StateInCall:
			c := strings.ToUpper(a.Comments)
			if !a.HasCall && !strings.Contains(c, "EMAIL") && !strings.Contains(c, "CHAT") {
				a.State = StateDead
			}
		}
		switch a.State {
		case StateInCall, StateQueue, StateMQueue:
			a.StateSeconds = a.SinceCall
		default:
			a.StateSeconds = a.SinceStateChange
		}
	}
}

package freeswitch

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

type secSample struct{ sessions, sps int }

// coreStats are the switch_core session counters behind `status` and HEARTBEAT.
type coreStats struct {
	peak, peak5      int
	spsLast, spsPeak int
	sps5             int
	createdThisSec   int
	maxThisSec       int
	hist             []secSample // last 300 seconds
	idleCPU, minIdle float64
}

// sessionCreated accounts a new channel. Caller holds s.mu.
func (s *Server) sessionCreated() {
	n := len(s.legs)
	st := &s.stats
	st.createdThisSec++
	if n > st.peak {
		st.peak = n
	}
	if n > st.peak5 {
		st.peak5 = n
	}
	if n > st.maxThisSec {
		st.maxThisSec = n
	}
}

// secondTick rolls the per-second counters. Caller holds s.mu.
func (s *Server) secondTick() {
	st := &s.stats
	st.spsLast = st.createdThisSec
	if st.spsLast > st.spsPeak {
		st.spsPeak = st.spsLast
	}
	st.hist = append(st.hist, secSample{sessions: st.maxThisSec, sps: st.spsLast})
	if len(st.hist) > 300 {
		st.hist = st.hist[len(st.hist)-300:]
	}
	st.createdThisSec = 0
	st.maxThisSec = len(s.legs)
	st.peak5, st.sps5 = len(s.legs), 0
	for _, h := range st.hist {
		st.peak5 = max(st.peak5, h.sessions)
		st.sps5 = max(st.sps5, h.sps)
	}
	// idle CPU drifts around a level that drops with the load
	target := 98.6 - 0.12*float64(len(s.legs))
	st.idleCPU += (target-st.idleCPU)*0.3 + (s.rng.Float64()-0.5)*0.6
	st.idleCPU = min(max(st.idleCPU, 5), 99.9)
}

// uptimeText is switch_core_measure_time rendered as status and HEARTBEAT do.
func uptimeText(d time.Duration) string {
	e := d.Microseconds()
	mms := e % 1000
	e /= 1000
	ms := e % 1000
	e /= 1000
	sec := e % 60
	e /= 60
	mins := e % 60
	e /= 60
	hr := e % 24
	e /= 24
	day := e % 365
	yr := e / 365
	pl := func(n int64, unit string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	return pl(yr, "year") + ", " + pl(day, "day") + ", " + pl(hr, "hour") + ", " + pl(mins, "minute") + ", " +
		pl(sec, "second") + ", " + pl(ms, "millisecond") + ", " + pl(mms, "microsecond")
}

func (s *Server) uptime() time.Duration {
	d := s.now().Sub(s.startedAt)
	if d < 0 {
		d = 0
	}
	return d
}

// statusText is mod_commands' `status`.
func (s *Server) statusText() string {
	st := &s.stats
	return fmt.Sprintf("UP %s\n", uptimeText(s.uptime())) +
		fmt.Sprintf("FreeSWITCH (Version %s  64bit) is ready\n", s.cfg.Version) +
		fmt.Sprintf("%d session(s) since startup\n", s.sessionID) +
		fmt.Sprintf("%d session(s) - peak %d, last 5min %d \n", len(s.legs), st.peak, st.peak5) +
		fmt.Sprintf("%d session(s) per Sec out of max %d, peak %d, last 5min %d \n", st.spsLast, s.cfg.SessionsPerSecMax, st.spsPeak, st.sps5) +
		fmt.Sprintf("%d session(s) max\n", s.cfg.MaxSessions) +
		fmt.Sprintf("min idle cpu %0.2f/%0.2f\n", st.minIdle, st.idleCPU) +
		"Current Stack Size/Max 240K/8192K\n"
}

func (s *Server) heartbeatEvent() *event {
	st := &s.stats
	up := s.uptime()
	e := s.newEvent("HEARTBEAT", "", "switch_core.c", "send_heartbeat", "95")
	e.add("Event-Info", "System Ready")
	e.add("Up-Time", uptimeText(up))
	e.add("FreeSWITCH-Version", s.cfg.Version+"~64bit")
	e.add("Uptime-msec", strconv.FormatInt(up.Milliseconds(), 10))
	e.add("Session-Count", strconv.Itoa(len(s.legs)))
	e.add("Max-Sessions", strconv.Itoa(s.cfg.MaxSessions))
	e.add("Session-Per-Sec", strconv.Itoa(s.cfg.SessionsPerSecMax))
	e.add("Session-Per-Sec-Last", strconv.Itoa(st.spsLast))
	e.add("Session-Per-Sec-Max", strconv.Itoa(st.spsPeak))
	e.add("Session-Per-Sec-FiveMin", strconv.Itoa(st.sps5))
	e.add("Session-Since-Startup", strconv.Itoa(s.sessionID))
	e.add("Session-Peak-Max", strconv.Itoa(st.peak))
	e.add("Session-Peak-FiveMin", strconv.Itoa(st.peak5))
	e.add("Idle-CPU", fmt.Sprintf("%f", st.idleCPU))
	return e
}

func (s *Server) heartbeatLoop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		if ctx.Err() == nil {
			s.fire(s.heartbeatEvent())
			e := s.newEvent("RE_SCHEDULE", "", "switch_scheduler.c", "switch_scheduler_execute", "73")
			e.add("Task-ID", "1")
			e.add("Task-Desc", "heartbeat")
			e.add("Task-Group", "core")
			e.add("Task-Runtime", strconv.FormatInt(s.now().Add(s.cfg.HeartbeatInterval).Unix(), 10))
			s.fire(e)
		}
		s.mu.Unlock()
	}
}

func (s *Server) tickLoop(ctx context.Context) {
	defer s.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		if ctx.Err() == nil {
			s.secondTick()
			s.gatewayTick(s.now())
		}
		s.mu.Unlock()
	}
}

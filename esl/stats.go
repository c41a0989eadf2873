package esl

import (
	"sync/atomic"
	"time"
)

// Stats are monotonically increasing counters (since the Conn or Client was created).
type Stats struct {
	BytesRead     uint64 // bytes received from FreeSWITCH
	FramesRead    uint64 // frames of any type
	EventsRead    uint64 // text/event-* frames
	EventErrors   uint64 // event frames that could not be parsed (skipped)
	CommandsSent  uint64 // commands written (api, bgapi, event, filter, …)
	CommandErrors uint64 // commands that failed: transport error, timeout or -ERR
	Reconnects    uint64 // Client: connections established after the first
	DialFailures  uint64 // Client: failed connection attempts (dial, auth or setup)
}

type counters struct {
	bytesRead, framesRead, eventsRead, eventErrors atomic.Uint64
	commandsSent, commandErrors                    atomic.Uint64
	lastEvent                                      atomic.Int64 // unix nanoseconds
}

func (c *counters) snapshot() Stats {
	return Stats{
		BytesRead:     c.bytesRead.Load(),
		FramesRead:    c.framesRead.Load(),
		EventsRead:    c.eventsRead.Load(),
		EventErrors:   c.eventErrors.Load(),
		CommandsSent:  c.commandsSent.Load(),
		CommandErrors: c.commandErrors.Load(),
	}
}

func (c *counters) lastEventTime() time.Time {
	n := c.lastEvent.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

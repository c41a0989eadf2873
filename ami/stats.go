package ami

import (
	"sync/atomic"
	"time"
)

// Stats are monotonically increasing counters (since the Conn or Client was created).
type Stats struct {
	BytesRead    uint64 // bytes received from Asterisk
	MessagesRead uint64 // responses and events
	EventsRead   uint64 // events not belonging to an event list (handed to OnEvent)
	ListItems    uint64 // events received as items of event lists
	Unmatched    uint64 // messages with an ActionID nobody waits for (dropped)
	ActionsSent  uint64 // actions written; one per round trip
	ActionErrors uint64 // actions that failed: transport error, timeout or Response: Error
	Reconnects   uint64 // Client: connections established after the first
	DialFailures uint64 // Client: failed connection attempts (dial, greeting or login)
}

type counters struct {
	bytesRead, messagesRead, eventsRead, listItems, unmatched atomic.Uint64
	actionsSent, actionErrors                                 atomic.Uint64
	lastEvent                                                 atomic.Int64 // unix nanoseconds
}

func (c *counters) snapshot() Stats {
	return Stats{
		BytesRead:    c.bytesRead.Load(),
		MessagesRead: c.messagesRead.Load(),
		EventsRead:   c.eventsRead.Load(),
		ListItems:    c.listItems.Load(),
		Unmatched:    c.unmatched.Load(),
		ActionsSent:  c.actionsSent.Load(),
		ActionErrors: c.actionErrors.Load(),
	}
}

func (c *counters) lastEventTime() time.Time {
	n := c.lastEvent.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

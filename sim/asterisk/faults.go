package asterisk

import "time"

// Fault is a misbehaviour injected with SetFault.
type Fault interface{ isFault() }

// FaultKind enumerates the parameterless faults.
type FaultKind int

const (
	// FaultNone: behave normally.
	FaultNone FaultKind = iota
	// FaultStall: keep reading actions but never answer (nor send events).
	FaultStall
	// FaultDrop: close the connection, without a word, on the next action.
	FaultDrop
	// FaultDropMidList: on the next event-list action, send the response and
	// half of the list, then close the connection.
	FaultDropMidList
	// FaultGarbage: answer the next action with a line that never ends.
	FaultGarbage
)

func (FaultKind) isFault() {}

func (k FaultKind) String() string {
	switch k {
	case FaultNone:
		return "none"
	case FaultStall:
		return "stall"
	case FaultDrop:
		return "drop"
	case FaultDropMidList:
		return "drop-mid-list"
	case FaultGarbage:
		return "garbage"
	}
	return "unknown"
}

// FaultSlow delays every answer by Delay.
type FaultSlow struct{ Delay time.Duration }

func (FaultSlow) isFault() {}

// FaultFlood sends Events unsolicited events (RTCPSent, class reporting)
// before answering each action, to every session whose event mask wants them.
type FaultFlood struct{ Events int }

func (FaultFlood) isFault() {}

// SetFault sets the current misbehaviour for all sessions; safe at any time.
func (s *Server) SetFault(f Fault) {
	if f == nil {
		f = FaultNone
	}
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

func (s *Server) currentFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

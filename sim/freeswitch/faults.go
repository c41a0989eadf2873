package freeswitch

import "time"

// Fault is a misbehaviour injected with SetFault: FaultNone, FaultSlow{Delay}, FaultStall,
// FaultDrop, FaultGarbage or FaultHugeLength. (A wrong password is simply Config.Password
// or SetPassword.)
type Fault interface{ isFault() }

// FaultKind enumerates the parameterless faults.
type FaultKind int

const (
	// FaultNone: behave normally.
	FaultNone FaultKind = iota
	// FaultStall: keep reading commands but never answer them (nor send events or logs).
	FaultStall
	// FaultDrop: close the connection, without a word, on the next command received.
	FaultDrop
	// FaultGarbage: answer the next commands with a non-ESL frame whose Content-Length is invalid.
	FaultGarbage
	// FaultHugeLength: answer with an api/response announcing Content-Length: 2147483647.
	FaultHugeLength
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
	case FaultGarbage:
		return "garbage"
	case FaultHugeLength:
		return "huge-length"
	}
	return "unknown"
}

// FaultSlow delays every reply by Delay.
type FaultSlow struct{ Delay time.Duration }

func (FaultSlow) isFault() {}

// SetFault sets the current misbehaviour for all connections; safe to call at any time.
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

// Frames sent instead of a reply by FaultGarbage and FaultHugeLength.
var (
	garbageFrame    = []byte("Content-Type: api/response\nContent-Length: 12abc\n\n\x00\xff\xfe garbage <<<>>> \x01\x02\n\n")
	hugeLengthFrame = []byte("Content-Type: api/response\nContent-Length: 2147483647\n\n+OK this body never ends")
)

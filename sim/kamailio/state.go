package kamailio

import "time"

// Proc is one Kamailio process (core.psa, pkg.stats).
type Proc struct {
	PID                                    int32
	Rank                                   int32
	Desc                                   string
	Used, Free, RealUsed, TotalSize, Frags int32
}

// Target is one dispatcher destination.
type Target struct {
	URI      string
	Flags    string // "AP", "IP", "DX", "TP"…
	Priority int32
	Body     string // attributes
	Weight   int32
	RWeight  int32
	MaxLoad  int32
	// latency statistics (ds_ping_latency_stats): milliseconds
	LatAvg, LatStd, LatEst float64
	LatMax, LatTimeout     int32
}

// Set is one dispatcher set.
type Set struct {
	ID      int32
	Targets []Target
}

// HTable is one htable with its stats.
type HTable struct {
	Name, DBTable                      string
	DBMode, Expire, UpdateExpire, Log2 int32
	DMQReplicate                       int32
	Items, Min, Max                    int32
}

// RTPEngine is one rtpengine node as rtpengine.show lists it.
type RTPEngine struct {
	URL                string
	Set, Index, Weight int32
	Disabled           bool
	RecheckTicks       int32
}

// TLSInfo is what tls.info answers when the tls module is loaded.
type TLSInfo struct {
	MaxConnections, OpenedConnections, ClearTextWriteQueuedBytes int32
}

// State is everything the simulated Kamailio reports. Change it through
// Server.Update; the initial State (Captured) holds the values of the
// real Kamailio captured in testdata/kamailio.
type State struct {
	Version, Compiler, SourceID, Compiled string
	Started                               time.Time

	// Stats are the stats.fetch items in Kamailio's order ("group.name").
	Stats []Stat
	TM    TMStats
	SL    []Stat // sl.stats codes in order ("200", "202", "2xx"…)

	ShmTotal, ShmFree, ShmUsed, ShmRealUsed, ShmMaxUsed, ShmFrags    int32
	TCPReaders, TCPMax, TLSMax, TCPOpened, TLSOpened, TCPWriteQueued int32

	Procs []Proc

	Sets          []Set
	LatencyStats  bool // dispatcher's ds_ping_latency_stats: LATENCY per target
	DlgStarting   int32
	DlgConnecting int32
	DlgAnswering  int32
	DlgOngoing    int32
	Profiles      []Stat // dialog profile sizes in order
	HTables       []HTable
	RTPEngines    []RTPEngine
	TLS           *TLSInfo // nil: the tls module is not loaded
	// Unloaded lists modules whose RPC methods answer "command … not found"
	// ("dispatcher", "dialog", "htable", "rtpengine", "tm", "sl"…).
	Unloaded []string
}

// Stat is one named number.
type Stat struct {
	Name  string
	Value int64
}

// TMStats is the reply of tm.stats.
type TMStats struct {
	Current, Waiting, Total, TotalLocal int32
	RplReceived, RplGenerated, RplSent  int32
	C6xx, C5xx, C4xx, C3xx, C2xx        int32
	Created, Freed, DelayedFree         int32
}

// stat returns a pointer to the stats.fetch item name, or nil.
func (s *State) stat(name string) *int64 {
	for i := range s.Stats {
		if s.Stats[i].Name == name {
			return &s.Stats[i].Value
		}
	}
	return nil
}

// Add adds d to the stats.fetch item name (if it exists).
func (s *State) Add(name string, d int64) {
	if p := s.stat(name); p != nil {
		*p += d
	}
}

// Clone deep-copies the state.
func (s *State) Clone() State {
	c := *s
	c.Stats = append([]Stat(nil), s.Stats...)
	c.SL = append([]Stat(nil), s.SL...)
	c.Procs = append([]Proc(nil), s.Procs...)
	c.Sets = make([]Set, len(s.Sets))
	for i, set := range s.Sets {
		c.Sets[i] = Set{ID: set.ID, Targets: append([]Target(nil), set.Targets...)}
	}
	c.Profiles = append([]Stat(nil), s.Profiles...)
	c.HTables = append([]HTable(nil), s.HTables...)
	c.RTPEngines = append([]RTPEngine(nil), s.RTPEngines...)
	if s.TLS != nil {
		t := *s.TLS
		c.TLS = &t
	}
	c.Unloaded = append([]string(nil), s.Unloaded...)
	return c
}

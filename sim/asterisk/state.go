package asterisk

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"time"
)

// channel is one Asterisk channel as the CLI and AMI show it.
type channel struct {
	name     string
	tech     string // SIP, PJSIP, Local, CBAnn
	peer     string // peer/endpoint the channel belongs to ("" for Local, CBAnn)
	internal bool   // announcer channels: counted and shown by the CLI, absent from AMI lists
	pbx      bool   // runs dialplan: counts as an active call (ast_active_calls)

	state                 int // 6 Up, 5 Ringing, 4 Ring, 0 Down
	context, exten        string
	prio                  int
	app, data             string
	cidNum, cidName       string
	connNum, connName     string
	uniqueid, linkedid    string
	bridge                string
	dnid                  string
	created               time.Time
	native                string // NativeFormats
	readFmt, writeFmt     string
	readTrans, writeTrans string // "(ulaw@8000)->(slin@8000)", "" when not translating

	// SIP dialog and RTP (SIP and PJSIP channels only).
	callID  string
	peerIP  string
	userANR string
	lastMsg string
	rtp     *rtpState

	call *call
}

// rtpState is a channel's RTP stream; counters grow with time unless fixed.
type rtpState struct {
	loss, jitter, rtt float64 // ratio, seconds, seconds
	fixed             *RTPCounters
	ssrc, remoteSSRC  uint32
	localPort         int
	remotePort        int
}

// RTPCounters are the counters `sip show channelstats` prints.
type RTPCounters struct {
	RxCount, RxLost, TxCount, TxLost uint32
	RxJitter, TxJitter, RTT          float64 // seconds
}

func (r *rtpState) counters(elapsed time.Duration) RTPCounters {
	if r.fixed != nil {
		return *r.fixed
	}
	sent := uint32(int64(elapsed.Seconds()) * 50) // 20 ms packets, counted per whole second
	rxLost := uint32(float64(sent) * r.loss)
	return RTPCounters{
		RxCount: sent - rxLost, RxLost: rxLost,
		TxCount: sent, TxLost: uint32(float64(sent) * r.loss),
		RxJitter: r.jitter, TxJitter: r.jitter, RTT: r.rtt,
	}
}

func (c *channel) isAMIVisible() bool { return !c.internal }

// call groups the channels started together; hanging it up removes them.
type call struct {
	id       CallID
	channels []*channel
	conf     string // confbridge room, if any
	queue    string
	timer    *time.Timer
}

// CallID identifies a call started with StartCall and friends.
type CallID uint64

type confRoom struct {
	name     string
	bridge   string
	members  []*channel
	announce []*channel
	created  time.Time
}

// state is the simulated Asterisk's core state, guarded by Server.mu.
type state struct {
	cfg       Config
	rng       *rand.Rand
	startedAt time.Time
	reloaded  time.Time
	processed int
	seqUnique int
	seqTech   map[string]int
	channels  []*channel
	calls     map[CallID]*call
	nextCall  CallID
	rooms     map[string]*confRoom
	roomOrder []string
	sipPeers  []SIPPeer
	sipRegs   []SIPRegistration
	endpoints []Endpoint
	outRegs   []OutboundRegistration
	queues    []Queue
}

func newState(cfg Config, now time.Time) *state {
	seed := cfg.Seed
	if seed == 0 {
		seed = now.UnixNano()
	}
	st := &state{
		cfg:       cfg,
		rng:       rand.New(rand.NewSource(seed)),
		startedAt: cfg.StartedAt,
		reloaded:  cfg.ReloadedAt,
		seqTech:   map[string]int{},
		calls:     map[CallID]*call{},
		rooms:     map[string]*confRoom{},
		sipPeers:  append([]SIPPeer(nil), cfg.SIPPeers...),
		sipRegs:   append([]SIPRegistration(nil), cfg.SIPRegistrations...),
		outRegs:   append([]OutboundRegistration(nil), cfg.OutboundRegistrations...),
		queues:    append([]Queue(nil), cfg.Queues...),
	}
	for _, e := range cfg.Endpoints {
		e.Contacts = append([]Contact(nil), e.Contacts...)
		st.endpoints = append(st.endpoints, e)
	}
	if st.startedAt.IsZero() {
		st.startedAt = now
	}
	if st.reloaded.IsZero() {
		st.reloaded = st.startedAt
	}
	return st
}

func (st *state) newUniqueID(now time.Time) string {
	id := fmt.Sprintf("%d.%d", now.Unix(), st.seqUnique)
	st.seqUnique++
	return id
}

func (st *state) nextSeq(tech string) int {
	n := st.seqTech[tech]
	st.seqTech[tech] = n + 1
	return n
}

func (st *state) hexID(n int) string {
	const hexdig = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hexdig[st.rng.Intn(16)]
	}
	return string(b)
}

func (st *state) bridgeID() string {
	h := st.hexID(32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (st *state) sipPeer(name string) *SIPPeer {
	for i := range st.sipPeers {
		if st.sipPeers[i].Name == name {
			return &st.sipPeers[i]
		}
	}
	return nil
}

func (st *state) endpoint(name string) *Endpoint {
	for i := range st.endpoints {
		if st.endpoints[i].Name == name {
			return &st.endpoints[i]
		}
	}
	return nil
}

func (st *state) sortedSIPPeers() []SIPPeer {
	peers := append([]SIPPeer(nil), st.sipPeers...)
	sort.Slice(peers, func(i, j int) bool { return peers[i].Name < peers[j].Name })
	return peers
}

func (st *state) activeCalls() int {
	n := 0
	for _, c := range st.channels {
		if c.pbx {
			n++
		}
	}
	return n
}

func (st *state) removeChannel(ch *channel) {
	for i, c := range st.channels {
		if c == ch {
			st.channels = append(st.channels[:i], st.channels[i+1:]...)
			return
		}
	}
}

func (st *state) channelsOf(tech, peer string) int {
	n := 0
	for _, c := range st.channels {
		if c.tech == tech && c.peer == peer {
			n++
		}
	}
	return n
}

// endpointState is ast_sip_get_device_state for an endpoint.
func (st *state) endpointState(e *Endpoint) string {
	if st.channelsOf("PJSIP", e.Name) > 0 {
		return "In use"
	}
	for _, c := range e.Contacts {
		if c.Status == "Avail" || c.Status == "NonQual" {
			return "Not in use"
		}
	}
	return "Unavailable"
}

// peerOf returns the channel's technology and peer for a channel name such
// as SIP/1031-00000006 or PJSIP/2031-00000000.
func peerOf(name string) (tech, peer string) {
	tech, rest, ok := strings.Cut(name, "/")
	if !ok {
		return "", ""
	}
	if i := strings.LastIndexByte(rest, '-'); i > 0 {
		rest = rest[:i]
	}
	return tech, rest
}

var state2str = map[int]string{0: "Down", 1: "Rsrvd", 2: "OffHook", 3: "Dialing", 4: "Ring", 5: "Ringing", 6: "Up", 7: "Busy"}

func stateDesc(s int) string {
	if d, ok := state2str[s]; ok {
		return d
	}
	return "Unknown"
}

package asterisk

import "time"

// Lab returns the configuration of the captured lab (testdata/asterisk):
// Asterisk 20.20.1 with chan_sip (phones 1031–1036, trunks carrier1 and
// carrier2, two outbound registrations), PJSIP (phones 2031–2033, trunks
// pjcarrier1 and pjcarrier2, two outbound registrations), ConfBridge and
// the queue "support". Calls are added with StartCall and friends.
func Lab() Config {
	t0 := time.Now()
	phone := func(name, user, port, cid string, codecs ...string) SIPPeer {
		p := SIPPeer{Name: name, Dynamic: true, MaxMS: 2000, Context: "internal", CallerID: cid, Codecs: codecs}
		if user != "" {
			p.Username, p.Host, p.Port, p.LastMS = user, "127.0.0.1", atoi(port), 1
			p.UserAgent = "baresip v1.0.0 (x86_64/linux)"
		}
		return p
	}
	contact := func(uri, hash string, rtt time.Duration, static bool) Contact {
		c := Contact{URI: uri, Hash: hash, Status: "Avail", RTT: rtt, Static: static, ViaAddr: "127.0.0.1",
			Expires: t0.Add(time.Hour), UserAgent: "baresip v1.0.0 (x86_64/linux)", CallID: hash[:16]}
		if static {
			c.UserAgent, c.CallID = "", ""
		}
		return c
	}
	c2031 := contact("sip:2031-0x560b83ca2250@127.0.0.1:5250", "32a5fb897b4334cf940a62af35cec020", 355*time.Microsecond, false)
	c2031.ViaPort = 5250
	c2032 := contact("sip:2032-0x5602b2c75250@127.0.0.1:5260", "96b9915926e2f7cd5b82336c23ccfe78", 432*time.Microsecond, false)
	c2032.ViaPort = 5260
	dead := contact("sip:127.0.0.2:5099", "a016fd3120c3a7d6b1e2f09c4d5e6f70", 0, true)
	dead.Status = "Unavail"
	return Config{
		ChanSIP: true, PJSIP: true, ConfBridge: true, Queue: true, Color: true,
		SIPPeers: []SIPPeer{
			phone("1031", "1031-0x55c9d30cb250", "5210", `"Alice" <1031>`, "ulaw"),
			phone("1032", "1032-0x55feed2b1250", "5220", `"Bob" <1032>`, "alaw"),
			phone("1033", "1033-0x5558cc85d250", "5230", `"Carol" <1033>`, "ulaw", "alaw"),
			phone("1034", "1034-0x5619fb178250", "5240", `"Dave" <1034>`, "ulaw", "alaw"),
			phone("1035", "", "", `"Erin" <1035>`, "ulaw", "alaw"),
			phone("1036", "", "", `"Frank" <1036>`, "ulaw", "alaw"),
			{Name: "carrier1", Username: "trunkuser", Host: "127.0.0.1", Port: 5070, ForceRport: "Auto (No)", MaxMS: 2000, LastMS: 1, Context: "from-trunk", CallerID: `"" <>`},
			{Name: "carrier2", Host: "127.0.0.2", Port: 5099, ForceRport: "Auto (No)", MaxMS: 2000, LastMS: -1, Context: "from-trunk", CallerID: `"" <>`},
		},
		SIPRegistrations: []SIPRegistration{
			{Host: "127.0.0.1", Port: 5070, Username: "trunkuser", Domain: "127.0.0.1", DomainPort: 5060, Refresh: 105, State: "Registered", RegTime: t0},
			{Host: "127.0.0.2", Port: 5099, Username: "deaduser", Domain: "127.0.0.2", DomainPort: 5060, Refresh: 120, State: "Request Sent"},
		},
		Endpoints: []Endpoint{
			{Name: "2031", CallerIDName: "PJ Alice", CallerIDNum: "2031", MaxContacts: 1, InboundAuth: "2031", AuthUser: "2031", Codecs: []string{"ulaw"}, Context: "internal", Contacts: []Contact{c2031}},
			{Name: "2032", CallerIDName: "PJ Bob", CallerIDNum: "2032", MaxContacts: 1, InboundAuth: "2032", AuthUser: "2032", Codecs: []string{"alaw"}, Context: "internal", Contacts: []Contact{c2032}},
			{Name: "2033", CallerIDName: "PJ Carol", CallerIDNum: "2033", MaxContacts: 1, InboundAuth: "2033", AuthUser: "2033", Codecs: []string{"ulaw", "alaw"}, Context: "internal"},
			{Name: "pjcarrier1", OutboundAuth: "pjcarrier1-auth", AuthUser: "trunkuser", Codecs: []string{"ulaw", "alaw"}, Context: "from-trunk",
				Contacts: []Contact{contact("sip:127.0.0.1:5070", "b0e9390783c94e0fa1d7c3b2a9e8f701", 496*time.Microsecond, true)}},
			{Name: "pjcarrier2", Codecs: []string{"ulaw", "alaw"}, Context: "from-trunk", Contacts: []Contact{dead}},
		},
		OutboundRegistrations: []OutboundRegistration{
			{Name: "pjcarrier1-reg", ServerURI: "sip:127.0.0.1:5070", ClientURI: "sip:trunkuser@127.0.0.1:5070", Auth: "pjcarrier1-auth", Status: "Registered", Expires: t0.Add(54 * time.Second)},
			{Name: "pjcarrier2-reg", ServerURI: "sip:127.0.0.2:5099", ClientURI: "sip:deaduser@127.0.0.2:5099", Status: "Rejected", Expires: t0.Add(-10 * time.Second), Retries: 1000},
		},
		Queues: []Queue{{Name: "support", Strategy: "ringall", Members: []QueueMember{
			{Name: "Erin", Interface: "SIP/1035", Status: 5, LoginTime: t0},
			{Name: "Frank", Interface: "SIP/1036", Status: 5, LoginTime: t0},
		}}},
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

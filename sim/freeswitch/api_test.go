package freeswitch

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func captureBody(t *testing.T, file string) string {
	_, body := parseFrame(readCapture(t, file))
	return body
}

// Replies whose figures come from live state: the same lines, only numbers differ.
func TestStructuralReplies(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	for _, tc := range []struct{ cmd, file string }{
		{"status", "frames/api-status.txt"},
		{"uptime s", "frames/api-uptime-s.txt"},
		{"uptime", "frames/api-uptime.txt"},
		{"strepoch", "frames/api-strepoch.txt"},
		{"sofia xmlstatus gateway", "frames/api-sofia-xmlstatus-gateway.txt"},
		{"sofia xmlstatus gateway gw-loop", "frames/api-sofia-xmlstatus-gateway-gw-loop.txt"},
		{"sofia xmlstatus gateway gw-noreg", "frames/api-sofia-xmlstatus-gateway-gw-noreg.txt"},
		{"sofia status gateway gw-loop", "frames/api-sofia-status-gateway-gw-loop.txt"},
		{"show registrations", "frames/api-show-registrations.txt"},
		{"show registrations as json", "frames/api-show-registrations-as-json.txt"},
		{"global_getvar", "frames/api-global-getvar.txt"},
	} {
		got := c.api(tc.cmd)
		want := captureBody(t, tc.file)
		if tc.cmd == "global_getvar" {
			got, want = keysOf(got), keysOf(want)
		}
		if shape(got) != shape(want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, want)
		}
	}
}

func keysOf(vars string) string {
	var b strings.Builder
	for _, l := range lines(vars) {
		k, _, _ := strings.Cut(l, "=")
		b.WriteString(k + "\n")
	}
	return b.String()
}

// With no calls the sofia views of the capture's configuration are identical.
func TestSofiaIdleExact(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	for _, tc := range []struct{ cmd, file string }{
		{"sofia status", "frames/api-sofia-status.txt"},
		{"sofia xmlstatus", "frames/api-sofia-xmlstatus.txt"},
		{"sofia status profile internal", "frames/api-sofia-status-profile-internal.txt"},
		{"sofia xmlstatus profile internal", "frames/api-sofia-xmlstatus-profile-internal.txt"},
		{"sofia xmlstatus profile external reg", "frames/api-sofia-xmlstatus-profile-external-reg.txt"},
	} {
		c.send("api " + tc.cmd + "\n\n")
		if got, want := c.frame(), readCapture(t, tc.file); got != want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, want)
		}
	}
}

func TestSofiaFailWait(t *testing.T) {
	s := startServer(t, Config{})
	s.SetGatewayState("gw-loop", GatewayFailWait)
	c := login(t, s)
	for _, tc := range []struct{ cmd, file string }{
		{"sofia status", "frames/api-sofia-status.gw-fail-wait.txt"},
		{"sofia status gateway gw-loop", "frames/api-sofia-status-gateway-gw-loop.fail-wait.txt"},
		{"sofia xmlstatus gateway gw-loop", "frames/api-sofia-xmlstatus-gateway-gw-loop.fail-wait.txt"},
		{"sofia xmlstatus gateway", "frames/api-sofia-xmlstatus-gateway.fail-wait.txt"},
	} {
		if got, want := c.api(tc.cmd), captureBody(t, tc.file); shape(got) != shape(want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, want)
		}
	}
}

// jsonKeys returns the column names of each row of a `show ... as json` reply, in order.
func jsonKeys(t *testing.T, body string) []string {
	t.Helper()
	var v struct {
		RowCount int               `json:"row_count"`
		Rows     []json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("bad json %v: %q", err, body)
	}
	if v.RowCount != len(v.Rows) {
		t.Fatalf("row_count %d for %d rows", v.RowCount, len(v.Rows))
	}
	var out []string
	for _, r := range v.Rows {
		dec := json.NewDecoder(strings.NewReader(string(r)))
		dec.Token()
		var keys []string
		for dec.More() {
			k, _ := dec.Token()
			var val string
			dec.Decode(&val)
			keys = append(keys, k.(string))
		}
		out = append(out, strings.Join(keys, ","))
	}
	return out
}

func TestShowCallsChannelsDuringCalls(t *testing.T) {
	s := startServer(t, Config{})
	s.StartCall(CallSpec{Bridged: true, Codec: "PCMU"})
	s.StartCall(CallSpec{Direction: "outbound"})
	s.StartCall(CallSpec{Direction: "inbound"})
	c := login(t, s)
	dir := "calls/call2-bridge-natural-hangup/"
	for _, tc := range []struct{ cmd, file string }{
		{"show channels as json", "during-api-show-channels-as-json.txt"},
		{"show calls as json", "during-api-show-calls-as-json.txt"},
		{"show detailed_calls as json", "during-api-show-detailed-calls-as-json.txt"},
	} {
		got := jsonKeys(t, c.api(tc.cmd))
		want := jsonKeys(t, captureBody(t, dir+tc.file))
		if len(got) != 4 && tc.cmd == "show channels as json" || len(got) != 3 && tc.cmd != "show channels as json" {
			t.Fatalf("%s: %d rows", tc.cmd, len(got))
		}
		for _, g := range got {
			if g != want[0] {
				t.Errorf("%s: columns\n got %s\nwant %s", tc.cmd, g, want[0])
			}
		}
	}
	if got := c.api("show channels count"); got != "\n4 total.\n" {
		t.Fatalf("channels count %q", got)
	}
	if got := c.api("show calls count"); got != "\n3 total.\n" {
		t.Fatalf("calls count %q", got)
	}
	// csv: header line identical to the capture's, bridged row carries its b-leg
	for _, tc := range []struct{ cmd, file string }{
		{"show channels", "during-api-show-channels.txt"},
		{"show calls", "during-api-show-calls.txt"},
		{"show bridged_calls", "during-api-show-bridged-calls.txt"},
	} {
		got, want := lines(c.api(tc.cmd)), lines(captureBody(t, dir+tc.file))
		if got[0] != want[0] {
			t.Errorf("%s header\n got %s\nwant %s", tc.cmd, got[0], want[0])
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d lines, capture %d", tc.cmd, len(got), len(want))
		}
	}
	bridged := lines(c.api("show bridged_calls"))[1]
	if f := strings.Split(bridged, ","); len(f) != 41 || f[21] == "" || f[40] == "" || f[26] != "CS_EXCHANGE_MEDIA" {
		t.Fatalf("bridged row %q", bridged)
	}
	// xml rendering
	x := c.api("show channels as xml")
	if !strings.HasPrefix(x, "<result row_count=\"4\">\n  <row row_id=\"1\">\n    <uuid>") || !strings.HasSuffix(x, "  </row>\n</result>\n") {
		t.Fatalf("xml %q", x)
	}
}

func TestStatusCounters(t *testing.T) {
	s := startServer(t, Config{})
	u := s.StartCall(CallSpec{Bridged: true})
	s.StartCall(CallSpec{})
	c := login(t, s)
	st := lines(c.api("status"))
	if st[2] != "3 session(s) since startup" || !strings.HasPrefix(st[3], "3 session(s) - peak 3, last 5min 3 ") {
		t.Fatalf("status %q", st)
	}
	if !strings.Contains(c.api("sofia status"), "internal\tprofile\t              sip:mod_sofia@127.0.0.1:5060\tRUNNING (2)") {
		t.Fatal(c.api("sofia status"))
	}
	if got := c.api("uuid_exists " + u); got != "true" {
		t.Fatal(got)
	}
	if got := c.api("uuid_getvar " + u + " rtp_use_codec_name"); got != "PCMU" {
		t.Fatal(got)
	}
	if got := c.api("uuid_getvar " + u + " rtp_audio_in_mos"); got != "_undef_" {
		t.Fatal(got)
	}
	if got := c.api("uuid_getvar " + u + " domain_name"); got != "127.0.0.1" {
		t.Fatal(got)
	}
	dump := c.api("uuid_dump " + u)
	if !strings.HasPrefix(dump, "Event-Name: CHANNEL_DATA\n") || !strings.HasSuffix(dump, "\n\n") || !strings.Contains(dump, "Unique-ID: "+u+"\n") {
		t.Fatalf("dump %q", dump)
	}
	want := captureBody(t, "calls/call2-bridge-natural-hangup/during-api-uuid-dump-UUID-json.txt")
	if got := c.api("uuid_dump " + u + " json"); !strings.HasPrefix(got, `{"Event-Name":"CHANNEL_DATA"`) || !strings.HasPrefix(want, `{"Event-Name":"CHANNEL_DATA"`) {
		t.Fatalf("json dump %q", got)
	}
	if got := c.api("hupall"); got != "+OK hangup all channels with cause MANAGER_REQUEST\n" {
		t.Fatal(got)
	}
	if got := c.api("uuid_exists " + u); got != "false" {
		t.Fatal(got)
	}
	st = lines(c.api("status"))
	if !strings.HasPrefix(st[3], "0 session(s) - peak 3, last 5min 3 ") {
		t.Fatalf("status after hupall %q", st)
	}
	// Two ticks of the per-second counters after the creations bring the
	// rate to 0; polled (not one fixed sleep) so a slow machine cannot fail it.
	deadline := time.Now().Add(30 * time.Second)
	for st = lines(c.api("status")); !strings.HasPrefix(st[4], "0 session(s) per Sec out of max 30, peak 3, last 5min 3 "); st = lines(c.api("status")) {
		if time.Now().After(deadline) {
			t.Fatalf("sps %q", st[4])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestOriginate(t *testing.T) {
	s := startServer(t, Config{})
	c := login(t, s)
	got := c.api("originate {origination_caller_id_number=1000}sofia/gateway/gw-loop/5551234 &echo()")
	if !strings.HasPrefix(got, "+OK ") || len(got) != 41 {
		t.Fatalf("originate %q", got)
	}
	if !strings.Contains(c.api("sofia status gateway gw-loop"), "CallsOUT\t1\n") {
		t.Fatal("gateway call not counted")
	}
}

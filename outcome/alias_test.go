package outcome

import (
	"testing"
	"unsafe"

	"github.com/voip-exporter/voip_exporter/quality"
)

// The ESL client reuses an event's buffer for the next frame (esl.ClientOptions.ReuseEvent): nothing the
// tracker keeps may alias the values it was handed. Found through the pipeline, where the direction label
// turned into pieces of later frames.
func TestKeepsNoAliasedValue(t *testing.T) {
	buf := []byte("outboundgw-aexample.com")
	alias := func(i, j int) string { return unsafe.String(&buf[i], j-i) }
	tr := New(Options{})
	tr.Handle(quality.MapFields{"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Unique-ID": "u1",
		"Call-Direction": alias(0, 8), "variable_sip_gateway_name": alias(8, 12), "variable_sip_to_host": alias(12, 23),
		"variable_hangup_cause": "USER_BUSY"})
	for i := range buf {
		buf[i] = 'X' // the next frame overwrites the buffer
	}
	s := snapshot(t, tr, "gw-a", "outbound", "example.com")
	if s.Outcomes["busy"] != 1 {
		t.Errorf("%+v, want 1 busy (USER_BUSY, Q.850 17)", s)
	}
}

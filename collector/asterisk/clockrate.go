package asterisk

import (
	"context"
	"strings"
)

// DefaultRTPClockRate is assumed for a channel whose format is unknown: the RTP clock of G.711, G.729,
// GSM, iLBC and G.722 (RFC 3551 gives G.722 an 8 kHz RTP clock though it samples at 16 kHz).
const DefaultRTPClockRate = 8000

// rtpClockRates are the RTP timestamp rates of Asterisk's audio format names: the unit RTCP's
// interarrival jitter is counted in. Asterisk's ast_rtp_get_rate is the format's sample rate except for
// G.722 (8000); Opus is 48000 whatever it is sampled at (RFC 7587).
var rtpClockRates = map[string]float64{
	"ulaw": 8000, "alaw": 8000, "gsm": 8000, "g729": 8000, "g723": 8000, "g726": 8000, "g726aal2": 8000,
	"adpcm": 8000, "ilbc": 8000, "lpc10": 8000, "speex": 8000, "slin": 8000, "testlaw": 8000, "codec2": 8000,
	"g722": 8000, "silk8": 8000,
	"slin12": 12000, "silk12": 12000,
	"speex16": 16000, "slin16": 16000, "siren7": 16000, "silk16": 16000,
	"slin24": 24000, "silk24": 24000,
	"speex32": 32000, "slin32": 32000, "siren14": 32000,
	"slin44": 44100,
	"slin48": 48000, "opus": 48000, "g719": 48000,
	"slin96": 96000, "slin192": 192000,
}

// RTPClockRateOf returns the RTP clock rate of an Asterisk format name, or 0 when it is not known.
func RTPClockRateOf(format string) float64 {
	return rtpClockRates[strings.ToLower(strings.TrimSpace(format))]
}

// clockRates maps each live channel to its RTP clock rate from the AMI Status answer (shared with the
// transcoding collector within one scrape, so it costs no second round trip when that one runs).
func (i *Instance) clockRates(ctx context.Context) map[string]float64 {
	if i.client == nil || i.rtcp.Len() == 0 {
		return nil
	}
	items, err := list(ctx, i.coll.Client, "Status")
	if err != nil {
		i.log.Debug("asterisk: no Status answer; RTCP jitter at 8 kHz", "error", err.Error())
		return nil
	}
	rates := make(map[string]float64, len(items))
	for _, c := range ParseStatus(items) {
		if len(c.Native) > 0 {
			if r := RTPClockRateOf(c.Native[0]); r > 0 {
				rates[c.Channel] = r
			}
		}
	}
	return rates
}

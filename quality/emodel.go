package quality

import (
	"math"
	"strings"
)

// The E-model (ITU-T G.107, 06/2015) rates a narrowband call on a
// transmission rating scale R from 0 to 100 and maps R to an estimated MOS.
// We use it with G.107's default values for everything a FreeSWITCH event
// cannot tell (room noise, sidetone, loudness ratings, echo loss, no
// advantage factor), which is the standard simplification used by network
// monitors:
//
//	R       = R0 − Is − Id − Ie,eff + A
//	R0 − Is = 93.2                       (G.107 defaults; Id = Ie,eff = A = 0 then gives R = 93.2)
//	Ie,eff  = Ie + (95 − Ie) · Ppl / (Ppl/BurstR + Bpl)      (G.107 eq. 7-29; random loss: BurstR = 1)
//	Id      = Idd(Ta)                    (G.107 eq. 7-27; echo terms Idte/Idle at their defaults ≈ 0)
//	Idd     = 0                                                        for Ta ≤ 100 ms
//	Idd     = 25 · ((1 + X⁶)^⅙ − 3 · (1 + (X/3)⁶)^⅙ + 2),  X = log2(Ta/100)  for Ta > 100 ms
//	MOS     = 1                                                  for R < 0
//	MOS     = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶            for 0 ≤ R ≤ 100 (G.107 Annex B),
//	          and never under 1 (the polynomial dips to 0.99 near R = 5)
//	MOS     = 4.5                                                for R > 100
//
// Ppl is the packet loss in percent; Ta, the one-way (mouth-to-ear) delay in
// ms, is estimated as RTT/2 plus a jitter buffer holding twice the mean
// interarrival jitter (the usual sizing of an adaptive buffer). Ie and Bpl
// per codec come from ITU-T G.113 Appendix I (Tables I.1 and I.3); see Codecs.

// Impairment is a codec's equipment impairment factor Ie and packet-loss
// robustness factor Bpl (ITU-T G.113 Appendix I).
type Impairment struct {
	Ie, Bpl float64
	// Source says where the values come from.
	Source string
}

// Codecs maps an upper-case codec name to its G.113 values. FreeSWITCH
// conceals G.711 loss (PLC), so G.711 takes G.113's "with PLC" Bpl.
var Codecs = map[string]Impairment{
	"PCMU":    {Ie: 0, Bpl: 25.1, Source: "G.113 Table I.1/I.3: G.711 with PLC (G.711 Appendix I)"},
	"PCMA":    {Ie: 0, Bpl: 25.1, Source: "G.113 Table I.1/I.3: G.711 with PLC (G.711 Appendix I)"},
	"G729":    {Ie: 11, Bpl: 19.0, Source: "G.113 Table I.1/I.3: G.729A + VAD"},
	"G729A":   {Ie: 11, Bpl: 19.0, Source: "G.113 Table I.1/I.3: G.729A + VAD"},
	"G723":    {Ie: 15, Bpl: 16.1, Source: "G.113 Table I.1/I.3: G.723.1 6.3 kbit/s + VAD"},
	"GSM-EFR": {Ie: 5, Bpl: 10.0, Source: "G.113 Table I.1/I.3: GSM-EFR"},
}

// DefaultImpairment rates codecs G.113 has no narrowband entry for (G.722,
// Opus and unknown ones) like G.711 with PLC: the E-model here is the
// narrowband one, and a wideband codec is at least that good.
var DefaultImpairment = Impairment{Ie: 0, Bpl: 25.1, Source: "no narrowband G.113 entry: rated as G.711 with PLC"}

// CodecImpairment returns the values used for codec.
func CodecImpairment(codec string) Impairment {
	if v, ok := Codecs[strings.ToUpper(codec)]; ok {
		return v
	}
	return DefaultImpairment
}

// DefaultR is G.107's R with every parameter at its default.
const DefaultR = 93.2

// IeEff is the effective equipment impairment for a packet loss of ppl
// percent with random (BurstR = 1) loss.
func IeEff(imp Impairment, ppl float64) float64 {
	if ppl <= 0 {
		return imp.Ie
	}
	return imp.Ie + (95-imp.Ie)*ppl/(ppl+imp.Bpl)
}

// Idd is G.107's impairment for an absolute one-way delay of ta ms.
func Idd(ta float64) float64 {
	if ta <= 100 {
		return 0
	}
	x := math.Log2(ta / 100)
	return 25 * (math.Pow(1+math.Pow(x, 6), 1.0/6) - 3*math.Pow(1+math.Pow(x/3, 6), 1.0/6) + 2)
}

// MOSFromR maps R to an estimated MOS (G.107 Annex B).
func MOSFromR(r float64) float64 {
	switch {
	case math.IsNaN(r):
		return math.NaN()
	case r < 0:
		return 1
	case r > 100:
		return 4.5
	}
	// The polynomial dips under 1 for 0 < R < 6.5 (R = 5.03 gives 0.992):
	// a MOS is never below 1, the bottom of the ACR scale.
	return max(1, 1+0.035*r+r*(r-60)*(100-r)*7e-6)
}

// EModelInput is what the E-model is fed from a leg.
type EModelInput struct {
	Codec     string
	LossRatio float64 // 0–1
	Jitter    float64 // mean interarrival jitter, seconds (Unknown: 0)
	RTT       float64 // seconds (Unknown: 0)
}

// OneWayDelay is the estimated mouth-to-ear delay Ta in ms: RTT/2 plus a
// jitter buffer of twice the mean jitter.
func (in EModelInput) OneWayDelay() float64 {
	ta := 0.0
	if Known(in.RTT) && in.RTT > 0 {
		ta += in.RTT / 2 * 1000
	}
	if Known(in.Jitter) && in.Jitter > 0 {
		ta += 2 * in.Jitter * 1000
	}
	return ta
}

// EModel returns R and the MOS for the input. A loss ratio that is not known
// gives Unknown for both.
func EModel(in EModelInput) (r, mos float64) {
	if !Known(in.LossRatio) || in.LossRatio < 0 || in.LossRatio > 1 {
		return Unknown, Unknown
	}
	r = DefaultR - Idd(in.OneWayDelay()) - IeEff(CodecImpairment(in.Codec), in.LossRatio*100)
	return r, MOSFromR(r)
}

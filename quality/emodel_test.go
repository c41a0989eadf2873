package quality

import (
	"math"
	"testing"
)

// TestEModelPublished checks the E-model against values published in ITU-T
// G.107 and G.113.
func TestEModelPublished(t *testing.T) {
	// G.107 §7.7 / Annex B: with all default values R = 93.2, i.e. MOS 4.41.
	if r, mos := EModel(EModelInput{Codec: "PCMU", LossRatio: 0}); r != 93.2 || math.Round(mos*100)/100 != 4.41 {
		t.Errorf("G.711, no loss, no delay: R=%v MOS=%v, want 93.2 / 4.41", r, mos)
	}
	// G.107 Annex B (Figure B.1): MOS for R = 90, 80, 70, 60, 50.
	for r, want := range map[float64]float64{90: 4.34, 80: 4.02, 70: 3.60, 60: 3.10, 50: 2.58, 100: 4.5, 0: 1} {
		if got := MOSFromR(r); math.Abs(got-want) > 0.005 {
			t.Errorf("MOSFromR(%v) = %.4f, want %.2f", r, got, want)
		}
	}
	if MOSFromR(-5) != 1 || MOSFromR(120) != 4.5 {
		t.Error("MOS is clamped to [1, 4.5]")
	}
	// G.113 Appendix I: equipment impairment at 0 % loss is the codec's Ie.
	for codec, ie := range map[string]float64{"PCMU": 0, "PCMA": 0, "G729": 11, "G723": 15} {
		if r, _ := EModel(EModelInput{Codec: codec, LossRatio: 0}); math.Abs(r-(93.2-ie)) > 1e-9 {
			t.Errorf("%s at 0%% loss: R=%v, want 93.2-%v", codec, r, ie)
		}
	}
	// G.107 eq. 7-29 with G.113's Bpl: Ie,eff = Ie + (95-Ie)·Ppl/(Ppl+Bpl).
	for _, c := range []struct {
		codec string
		ppl   float64
		want  float64
	}{
		{"PCMU", 1, 95 * 1 / (1 + 25.1)},  // G.711 with PLC, 1 %: 3.64
		{"PCMU", 5, 95 * 5 / (5 + 25.1)},  // 15.78
		{"G729", 2, 11 + 84*2/(2+19.0)},   // G.729A+VAD
		{"G723", 3, 15 + 80*3/(3+16.1)},   // G.723.1+VAD 6.3k
		{"opus", 1, 95 * 1 / (1 + 25.1)},  // no narrowband entry: as G.711 with PLC
		{"GSM-EFR", 1, 5 + 90*1/(1+10.0)}, // GSM-EFR
	} {
		if got := IeEff(CodecImpairment(c.codec), c.ppl); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("IeEff(%s, %v%%) = %v, want %v", c.codec, c.ppl, got, c.want)
		}
	}
	// Planning values quoted from G.113 for 2 % random loss (Ie,eff rounded):
	// G.711 with PLC 7, G.729A+VAD 19, G.723.1+VAD 24.
	for codec, want := range map[string]float64{"PCMU": 7, "G729": 19, "G723": 24} {
		if got := IeEff(CodecImpairment(codec), 2); math.Round(got) != want {
			t.Errorf("%s at 2%%: Ie,eff = %.2f, want ≈ %v", codec, got, want)
		}
	}
}

func TestIdd(t *testing.T) {
	for _, ta := range []float64{0, 50, 100} {
		if Idd(ta) != 0 {
			t.Errorf("Idd(%v) = %v, want 0 up to 100 ms", ta, Idd(ta))
		}
	}
	prev := 0.0
	for ta := 110.0; ta <= 600; ta += 10 {
		d := Idd(ta)
		if d < prev {
			t.Fatalf("Idd not increasing at %v ms", ta)
		}
		prev = d
	}
	// X = 1 at Ta = 200 ms: 25·(2^⅙ − 3·(1+3⁻⁶)^⅙ + 2).
	want := 25 * (math.Pow(2, 1.0/6) - 3*math.Pow(1+math.Pow(3, -6), 1.0/6) + 2)
	if got := Idd(200); math.Abs(got-want) > 1e-12 {
		t.Errorf("Idd(200) = %v, want %v", got, want)
	}
	// One-way delay: RTT/2 + 2·jitter.
	in := EModelInput{Codec: "PCMU", LossRatio: 0, RTT: 0.3, Jitter: 0.02}
	if got := in.OneWayDelay(); math.Abs(got-190) > 1e-9 {
		t.Errorf("OneWayDelay = %v, want 190 ms", got)
	}
	if r, _ := EModel(in); math.Abs(r-(93.2-Idd(190))) > 1e-9 {
		t.Errorf("R = %v", r)
	}
	if r, m := EModel(EModelInput{LossRatio: math.NaN()}); Known(r) || Known(m) {
		t.Error("unknown loss must give unknown R and MOS")
	}
}

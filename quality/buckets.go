package quality

// Histogram bucket upper bounds of the per-call quality figures, shared by
// the Prometheus histograms (collector/freeswitch) and the OTLP ones (otlp),
// so that both exports of a figure bin it alike. Jitter and RTT in seconds,
// loss as a ratio 0–1, MOS on its 1–5 scale. Callers must not modify them.
var (
	// MOSBuckets end at G.107's user-satisfaction boundaries (R 50, 60,
	// 70, 80, 90 = MOS 2.58, 3.1, 3.6, 4.03, 4.34).
	MOSBuckets    = []float64{1, 2, 2.58, 3.1, 3.6, 4.03, 4.2, 4.34, 4.4, 4.5}
	JitterBuckets = []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5}
	LossBuckets   = []float64{0, 0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5}
	RTTBuckets    = []float64{0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2}
)

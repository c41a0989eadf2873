package quality

// Labels are the bounded dimensions a leg's figures are aggregated by: no
// per-call id, and at most a configured number of distinct domains (then
// OverflowLabel).
type Labels struct {
	Domain    string
	Codec     string
	Direction string
	// Cause is the hangup cause (records only).
	Cause string
}

// Label values for what is missing or over a cap.
const (
	UnknownLabel  = "unknown"
	OverflowLabel = "other"
)

// Caps on distinct label values per instance.
const (
	DefaultMaxDomains = 100
	maxCodecs         = 32
	maxCauses         = 64
)

// labelSet admits the first max distinct values; later new values map to
// OverflowLabel.
type labelSet struct {
	seen     map[string]struct{}
	max      int
	overflow uint64
}

func newLabelSet(max int) *labelSet { return &labelSet{seen: make(map[string]struct{}), max: max} }

func (s *labelSet) value(v string) string {
	if v == "" {
		return UnknownLabel
	}
	if _, ok := s.seen[v]; ok {
		return v
	}
	if len(s.seen) < s.max {
		s.seen[v] = struct{}{}
		return v
	}
	s.overflow++
	return OverflowLabel
}

func directionLabel(d string) string {
	if d == "" {
		return UnknownLabel
	}
	return d
}

package freeswitch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Status is the reply of the `status` API command.
type Status struct {
	Uptime               time.Duration // from "UP 0 years, 0 days, … microseconds"
	Version              string        // "1.10.12-release  64bit" (empty on versions that do not print it)
	Ready                bool          // "… is ready" (false: "is not ready")
	SessionsSinceStartup int64         // "N session(s) since startup"
	Sessions             int64         // "N session(s) - peak P, last 5min P5"
	SessionsPeak         int64
	SessionsPeak5Min     int64
	SPS                  int64 // "N session(s) per Sec out of max M, peak P, last 5min P5"
	SPSMax               int64
	SPSPeak              int64
	SPSPeak5Min          int64
	MaxSessions          int64   // "N session(s) max"
	MinIdleCPU           float64 // percent, "min idle cpu MIN/CUR"
	IdleCPU              float64 // percent
	HasStack             bool    // the "Current Stack Size/Max" line was there
	StackSize            int64   // bytes
	StackSizeMax         int64   // bytes
}

// ParseStatus parses the reply of `status`. Every line FreeSWITCH 1.6–1.10
// prints is required except the stack sizes; unknown lines are ignored.
func ParseStatus(body []byte) (Status, error) {
	var s Status
	if len(body) > MaxReplyBytes {
		return s, fmt.Errorf("status: reply of %d bytes is over the limit", len(body))
	}
	const (
		hasUp = 1 << iota
		hasReady
		hasSince
		hasSessions
		hasSPS
		hasMax
		hasCPU
		hasAll = 1<<iota - 1
	)
	var (
		seen int
		f    [4]string
	)
	rest := body
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte{'\n'})
		l := strings.TrimRight(string(line), " \t\r")
		var err error
		switch {
		case strings.HasPrefix(l, "UP "):
			s.Uptime, err = parseUpLine(l[3:])
			seen |= hasUp
		case strings.HasPrefix(l, "FreeSWITCH ") && (strings.HasSuffix(l, " is ready") || strings.HasSuffix(l, " is not ready")):
			s.Ready = strings.HasSuffix(l, " is ready")
			v := strings.TrimSuffix(strings.TrimSuffix(l, " is ready"), " is not ready")
			v = strings.TrimPrefix(v, "FreeSWITCH")
			v = strings.TrimSpace(v)
			if inner, ok := strings.CutPrefix(v, "(Version "); ok {
				v = strings.TrimSuffix(inner, ")")
			}
			s.Version = clip(strings.TrimSpace(v), maxLabelBytes)
			seen |= hasReady
		case match(l, "# session(s) since startup", f[:]):
			err = ints(f[:1], &s.SessionsSinceStartup)
			seen |= hasSince
		case match(l, "# session(s) - peak #, last 5min #", f[:]):
			err = ints(f[:3], &s.Sessions, &s.SessionsPeak, &s.SessionsPeak5Min)
			seen |= hasSessions
		case match(l, "# session(s) per Sec out of max #, peak #, last 5min #", f[:]):
			err = ints(f[:4], &s.SPS, &s.SPSMax, &s.SPSPeak, &s.SPSPeak5Min)
			seen |= hasSPS
		case match(l, "# session(s) max", f[:]):
			err = ints(f[:1], &s.MaxSessions)
			seen |= hasMax
		case match(l, "min idle cpu #/#", f[:]):
			s.MinIdleCPU, err = percent(f[0])
			if err == nil {
				s.IdleCPU, err = percent(f[1])
			}
			seen |= hasCPU
		case match(l, "Current Stack Size/Max #K/#K", f[:]):
			err = ints(f[:2], &s.StackSize, &s.StackSizeMax)
			if err == nil && (s.StackSize > math.MaxInt64/1024 || s.StackSizeMax > math.MaxInt64/1024) {
				err = errors.New("stack size out of range")
			}
			s.StackSize *= 1024
			s.StackSizeMax *= 1024
			s.HasStack = true
		}
		if err != nil {
			return Status{}, fmt.Errorf("status: line %q: %w", clip(l, 200), err)
		}
	}
	if seen == 0 {
		return Status{}, garbage("status", body)
	}
	if seen != hasAll {
		var missing []string
		for i, name := range []string{"UP …", "FreeSWITCH … is ready", "… since startup", "… - peak …", "… per Sec …", "… session(s) max", "min idle cpu …"} {
			if seen&(1<<i) == 0 {
				missing = append(missing, strconv.Quote(name))
			}
		}
		return Status{}, fmt.Errorf("status: missing line(s) %s", strings.Join(missing, ", "))
	}
	return s, nil
}

// upUnits are the units of the "UP" line, in order, with their length.
var upUnits = [...]struct {
	name string
	d    time.Duration
}{
	{"year", 365 * 24 * time.Hour}, // switch_core_measure_time uses 365-day years
	{"day", 24 * time.Hour},
	{"hour", time.Hour},
	{"minute", time.Minute},
	{"second", time.Second},
	{"millisecond", time.Millisecond},
	{"microsecond", time.Microsecond},
}

// parseUpLine parses "0 years, 0 days, 0 hours, 0 minutes, 52 seconds, 926
// milliseconds, 235 microseconds" (singular when the figure is 1).
func parseUpLine(s string) (time.Duration, error) {
	var total time.Duration
	for i, u := range upUnits {
		part := s
		if i < len(upUnits)-1 {
			var ok bool
			part, s, ok = strings.Cut(s, ", ")
			if !ok {
				return 0, errors.New("uptime: too few fields")
			}
		} else if strings.Contains(s, ",") {
			return 0, errors.New("uptime: too many fields")
		}
		num, unit, ok := strings.Cut(part, " ")
		if !ok || (unit != u.name && unit != u.name+"s") {
			return 0, fmt.Errorf("uptime: want %ss, got %q", u.name, clip(part, 40))
		}
		n, err := strconv.ParseUint(num, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("uptime: %ss: bad number %q", u.name, clip(num, 40))
		}
		if n > uint64((math.MaxInt64-total)/u.d) {
			return 0, errors.New("uptime: out of range")
		}
		total += time.Duration(n) * u.d
	}
	return total, nil
}

// match reports whether line has the shape of pattern, where each '#' stands
// for a non-empty run of number characters [0-9.+-]; the runs go to out.
func match(line, pattern string, out []string) bool {
	n := 0
	i := 0
	for j := 0; j < len(pattern); j++ {
		if pattern[j] != '#' {
			if i >= len(line) || line[i] != pattern[j] {
				return false
			}
			i++
			continue
		}
		start := i
		for i < len(line) && isNumChar(line[i]) {
			i++
		}
		if i == start || n >= len(out) {
			return false
		}
		out[n] = line[start:i]
		n++
	}
	return i == len(line)
}

func isNumChar(c byte) bool { return c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' }

// ints parses each field as a base-10 int64 into the matching destination.
func ints(fields []string, dst ...*int64) error {
	for i, f := range fields {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return fmt.Errorf("bad integer %q", clip(f, 40))
		}
		*dst[i] = v
	}
	return nil
}

func percent(f string) (float64, error) {
	v, err := strconv.ParseFloat(f, 64)
	if err != nil || v < 0 || v > 100 {
		return 0, fmt.Errorf("bad CPU percentage %q", clip(f, 40))
	}
	return v, nil
}

var (
	statusSessionsTotal = newDesc("", "sessions_total",
		"Sessions created since FreeSWITCH started (`status`: \"N session(s) since startup\"). Seed 000: sessions_total.")
	statusSessions = newDesc("", "current_sessions",
		"Sessions up now (`status`). Seed 000: current_sessions.")
	statusSessionsPeak = newDesc("", "current_sessions_peak",
		"Highest number of simultaneous sessions since FreeSWITCH started (`status`). Seed 000: current_sessions_peak.")
	statusSessionsPeak5 = newDesc("", "current_sessions_peak_last_5min",
		"Highest number of simultaneous sessions over the last 5 minutes (`status`). Seed 000: current_sessions_peak_last_5min.")
	statusSPS = newDesc("", "current_sps",
		"Sessions created in the last second (`status`: \"N session(s) per Sec\"). Seed 000: current_sps.")
	statusSPSPeak = newDesc("", "current_sps_peak",
		"Highest sessions-per-second rate since FreeSWITCH started (`status`). Seed 000: current_sps_peak.")
	statusSPSPeak5 = newDesc("", "current_sps_peak_last_5min",
		"Highest sessions-per-second rate over the last 5 minutes (`status`). Seed 000: current_sps_peak_last_5min.")
	statusMaxSPS = newDesc("", "max_sps",
		"Configured sessions-per-second limit (`status`: \"out of max N\"). Seed 000: max_sps.")
	statusMaxSessions = newDesc("", "max_sessions",
		"Configured limit of simultaneous sessions (`status`: \"N session(s) max\"). Seed 000: max_sessions.")
	statusIdleCPU = newDesc("", "current_idle_cpu_ratio",
		"Idle CPU as FreeSWITCH measures it, 0–1 (`status`: \"min idle cpu MIN/CUR\", CUR/100). Seed 000: current_idle_cpu (percent).")
	statusMinIdleCPU = newDesc("", "min_idle_cpu_ratio",
		"Configured min-idle-cpu below which FreeSWITCH refuses new sessions, 0–1; 0 means no limit (`status`, MIN/100). Seed 000: min_idle_cpu (percent).")
	statusStack = newDesc("", "stack_size_bytes",
		"Current thread stack size (`status`: \"Current Stack Size/Max\"). New; not in seed 000.")
	statusStackMax = newDesc("", "stack_size_max_bytes",
		"Thread stack size limit (`status`: \"Current Stack Size/Max\"). New; not in seed 000.")
	statusReady = newDesc("", "ready",
		"Whether FreeSWITCH says it is ready (1) or not ready (0) (`status`). New; not in seed 000.")
)

// statusScraper runs `status`.
type statusScraper struct{}

func (statusScraper) Name() string { return "status" }
func (statusScraper) Help() string {
	return "sessions, sessions per second, limits and idle CPU from `status`"
}
func (statusScraper) Default() bool { return true }

func (statusScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	body, err := call(ctx, api, "status")
	if err != nil {
		return err
	}
	s, err := ParseStatus(body)
	if err != nil {
		return err
	}
	counter(ch, statusSessionsTotal, float64(s.SessionsSinceStartup))
	gauge(ch, statusSessions, float64(s.Sessions))
	gauge(ch, statusSessionsPeak, float64(s.SessionsPeak))
	gauge(ch, statusSessionsPeak5, float64(s.SessionsPeak5Min))
	gauge(ch, statusSPS, float64(s.SPS))
	gauge(ch, statusSPSPeak, float64(s.SPSPeak))
	gauge(ch, statusSPSPeak5, float64(s.SPSPeak5Min))
	gauge(ch, statusMaxSPS, float64(s.SPSMax))
	gauge(ch, statusMaxSessions, float64(s.MaxSessions))
	gauge(ch, statusIdleCPU, percentRatio(s.IdleCPU))
	gauge(ch, statusMinIdleCPU, percentRatio(s.MinIdleCPU))
	gauge(ch, statusReady, boolFloat(s.Ready))
	if s.HasStack {
		gauge(ch, statusStack, float64(s.StackSize))
		gauge(ch, statusStackMax, float64(s.StackSizeMax))
	}
	return nil
}

// percentRatio turns a percentage printed with 2 decimals into the nearest
// float64 to the decimal ratio (97.53 → 0.9753, where 97.53/100 gives
// 0.9753000000000001).
func percentRatio(p float64) float64 { return math.Round(p*1e4) / 1e6 }

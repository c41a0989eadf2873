package asterisk

import (
	"context"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// Conference is one ConfBridge conference.
type Conference struct {
	Name    string
	Parties int
}

// ParseConfbridgeList reads `confbridge list` (app_confbridge's
// "%-32s %6u %6u %-6s %s": name, users, marked, locked, muted) after its
// two header lines; an idle box prints only the headers.
func ParseConfbridgeList(out string) ([]Conference, error) {
	ls := lines(out)
	if len(ls) < 2 || !strings.HasPrefix(ls[0], "Conference Bridge Name") {
		return nil, garbage("confbridge list", out)
	}
	var confs []Conference
	for _, l := range ls[2:] {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if len(f) < 5 {
			return nil, garbage("confbridge list", l)
		}
		n, err := strconv.Atoi(f[len(f)-4])
		if err != nil {
			return nil, garbage("confbridge list", l)
		}
		confs = append(confs, Conference{Name: strings.Join(f[:len(f)-4], " "), Parties: n})
	}
	return confs, nil
}

// ParseConfbridgeRooms reads the ConfbridgeListRooms events.
func ParseConfbridgeRooms(items []*ami.Message) []Conference {
	out := make([]Conference, 0, len(items))
	for _, m := range items {
		if m.Event() != "ConfbridgeListRooms" {
			continue
		}
		n, _ := strconv.Atoi(m.Get("Parties"))
		out = append(out, Conference{Name: m.Get("Conference"), Parties: n})
	}
	return out
}

var (
	confbridgeCount = newDesc("confbridge", "conferences",
		"ConfBridge conferences in progress (ConfbridgeListRooms, `confbridge list`). Seed 004: asterisk_confbridge_count (renamed: a _count suffix belongs to histograms and summaries).")
	confbridgeParties = newDesc("confbridge", "participants",
		"Participants in all ConfBridge conferences.")
)

// confbridgeScraper: ConfbridgeListRooms over AMI, `confbridge list` over the CLI.
type confbridgeScraper struct{}

func (confbridgeScraper) Name() string { return "confbridge" }
func (confbridgeScraper) Help() string {
	return "ConfBridge conferences and participants (ConfbridgeListRooms, confbridge list)"
}
func (confbridgeScraper) Default() bool { return true }

func (confbridgeScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	var confs []Conference
	if api.AMI() {
		// An idle box answers "Response: Error / No active conferences.".
		items, err := list(ctx, api, "ConfbridgeListRooms")
		if err != nil {
			return err
		}
		confs = ParseConfbridgeRooms(items)
	} else {
		out, err := command(ctx, api, "confbridge list")
		if err != nil {
			return err
		}
		if confs, err = ParseConfbridgeList(out); err != nil {
			return err
		}
	}
	parties := 0
	for _, c := range confs {
		parties += c.Parties
	}
	gauge(ch, confbridgeCount, float64(len(confs)))
	gauge(ch, confbridgeParties, float64(parties))
	return nil
}

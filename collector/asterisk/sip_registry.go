package asterisk

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// ParseSIPRegistry reads `sip show registry` (chan_sip's "%-39.39s %-6.6s
// %-12.12s  %8d %-20.20s %-25.25s": Host, dnsmgr, Username (cut at 12),
// Refresh, State, Reg.Time). A registration is named "user@host:port".
func ParseSIPRegistry(out string) ([]Registration, error) {
	var regs []Registration
	footer := false
	for _, l := range lines(out) {
		switch {
		case strings.HasPrefix(l, "Host "), strings.TrimSpace(l) == "":
			continue
		case strings.HasSuffix(strings.TrimSpace(l), " SIP registrations."), strings.HasSuffix(strings.TrimSpace(l), " SIP registration."):
			footer = true
			continue
		}
		if len(l) < 71 {
			return nil, garbage("sip show registry", l)
		}
		host := strings.TrimSpace(l[:39])
		user := strings.TrimSpace(l[47:59])
		state := strings.TrimSpace(l[70:min(len(l), 90)])
		if host == "" || state == "" {
			return nil, garbage("sip show registry", l)
		}
		regs = append(regs, Registration{Name: user + "@" + host, Status: state})
	}
	if !footer {
		return nil, garbage("sip show registry", out)
	}
	return regs, nil
}

// ParseRegistryEntries reads the RegistryEntry events of SIPshowregistry.
func ParseRegistryEntries(items []*ami.Message) []Registration {
	out := make([]Registration, 0, len(items))
	for _, m := range items {
		if m.Event() != "RegistryEntry" {
			continue
		}
		out = append(out, Registration{Name: m.Get("Username") + "@" + m.Get("Host") + ":" + m.Get("Port"), Status: m.Get("State")})
	}
	return out
}

// sipRegistryScraper: SIPshowregistry over AMI, `sip show registry` over the CLI.
type sipRegistryScraper struct{}

func (sipRegistryScraper) Name() string { return "sip_registry" }
func (sipRegistryScraper) Help() string {
	return "chan_sip outbound registrations (SIPshowregistry, sip show registry)"
}
func (sipRegistryScraper) Default() bool { return true }

func (sipRegistryScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	var regs []Registration
	if api.AMI() {
		items, err := list(ctx, api, "SIPshowregistry")
		if err != nil {
			return err
		}
		regs = ParseRegistryEntries(items)
	} else {
		out, err := command(ctx, api, "sip show registry")
		if err != nil {
			return err
		}
		if regs, err = ParseSIPRegistry(out); err != nil {
			return err
		}
	}
	emitRegistrations(ch, "sip", regs)
	return nil
}

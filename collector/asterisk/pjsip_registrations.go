package asterisk

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// ParsePJSIPRegistrations reads `pjsip show registrations`: lines
// " <name>/<server uri>  <auth or n/a>  <status>  (exp. 54s)".
func ParsePJSIPRegistrations(out string) ([]Registration, error) {
	var regs []Registration
	footer := false
	for _, l := range lines(out) {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "Objects found:"), t == "No objects found.":
			footer = true
			continue
		case t == "", strings.HasPrefix(t, "<"), strings.HasPrefix(t, "==="):
			continue
		}
		f := strings.Fields(t)
		if len(f) < 3 {
			return nil, garbage("pjsip show registrations", l)
		}
		name, _, ok := strings.Cut(f[0], "/")
		if !ok || name == "" {
			return nil, garbage("pjsip show registrations", l)
		}
		regs = append(regs, Registration{Name: name, Status: f[2]})
	}
	if !footer {
		return nil, garbage("pjsip show registrations", out)
	}
	return regs, nil
}

// ParseOutboundRegistrations reads the OutboundRegistrationDetail events of
// PJSIPShowRegistrationsOutbound (AuthDetail events between them are skipped).
func ParseOutboundRegistrations(items []*ami.Message) []Registration {
	out := make([]Registration, 0, len(items))
	for _, m := range items {
		if m.Event() == "OutboundRegistrationDetail" {
			out = append(out, Registration{Name: m.Get("ObjectName"), Status: m.Get("Status")})
		}
	}
	return out
}

// pjsipRegistrationsScraper: PJSIPShowRegistrationsOutbound over AMI,
// `pjsip show registrations` over the CLI.
type pjsipRegistrationsScraper struct{}

func (pjsipRegistrationsScraper) Name() string { return "pjsip_registrations" }
func (pjsipRegistrationsScraper) Help() string {
	return "PJSIP outbound registrations (PJSIPShowRegistrationsOutbound, pjsip show registrations)"
}
func (pjsipRegistrationsScraper) Default() bool { return true }

func (pjsipRegistrationsScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	var regs []Registration
	if api.AMI() {
		items, err := list(ctx, api, "PJSIPShowRegistrationsOutbound")
		if err != nil {
			return err
		}
		regs = ParseOutboundRegistrations(items)
	} else {
		out, err := command(ctx, api, "pjsip show registrations")
		if err != nil {
			return err
		}
		if regs, err = ParsePJSIPRegistrations(out); err != nil {
			return err
		}
	}
	emitRegistrations(ch, "pjsip", regs)
	return nil
}

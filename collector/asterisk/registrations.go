package asterisk

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Registration is one outbound registration (to a carrier): chan_sip's
// `register =>` lines or PJSIP's type=registration sections.
type Registration struct {
	Name   string // chan_sip: "user@host:port"; PJSIP: the section name
	Status string // Registered, Request Sent, Rejected, Unregistered…
}

// Registered reports whether the registration is up.
func (r Registration) Registered() bool { return r.Status == "Registered" }

var (
	registrationUp = newDesc("", "registration_up",
		"Whether an outbound registration to a registrar is Registered (SIPshowregistry / `sip show registry`, PJSIPShowRegistrationsOutbound / `pjsip show registrations`). Seed 004's suggested asterisk_sip_registry_status.",
		"technology", "registration")
	registrationStatus = newDesc("", "registration_status",
		"Outbound registration state as Asterisk names it (Registered, Request Sent, Rejected…); always 1.",
		"technology", "registration", "status")
)

func emitRegistrations(ch chan<- prometheus.Metric, tech string, regs []Registration) {
	seen := map[string]bool{}
	for _, r := range regs {
		if seen[r.Name] {
			continue
		}
		seen[r.Name] = true
		gauge(ch, registrationUp, boolFloat(r.Registered()), tech, r.Name)
		gauge(ch, registrationStatus, 1, tech, r.Name, r.Status)
	}
}

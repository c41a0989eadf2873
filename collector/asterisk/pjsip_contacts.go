package asterisk

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
)

// Contact is one PJSIP contact of an AOR.
type Contact struct {
	AOR    string
	URI    string // possibly cut short by the CLI's column
	Status string // Avail, Unavail, NonQual, Unknown, Removed
	RTT    time.Duration
	HasRTT bool
}

// Reachable reports whether the contact answered its last qualify (or is
// not qualified but registered: NonQual).
func (c Contact) Reachable() bool { return c.Status == "Avail" || c.Status == "NonQual" }

// ParsePJSIPContacts reads the "Contact:" lines of `pjsip show contacts`
// (or of `pjsip show endpoints`/`aors`, deeper indented): res_pjsip's
// "%*s:  %s/%-*.*s %-10.10s %-7.7s %11.3f", i.e. "<aor>/<uri> <hash>
// <status> <rtt ms>", the RTT printed "nan" for a contact that is not Avail.
func ParsePJSIPContacts(out string) ([]Contact, error) {
	var cs []Contact
	seenFooter := false
	for _, l := range lines(out) {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "Objects found:"), t == "No objects found.":
			seenFooter = true
			continue
		case !strings.HasPrefix(t, "Contact:") || strings.HasPrefix(t, "Contact:  <"):
			continue
		}
		f := strings.Fields(strings.TrimPrefix(t, "Contact:"))
		if len(f) != 4 {
			return nil, garbage("pjsip show contacts", l)
		}
		aor, uri, ok := strings.Cut(f[0], "/")
		if !ok {
			return nil, garbage("pjsip show contacts", l)
		}
		c := Contact{AOR: aor, URI: uri, Status: f[2]}
		if ms, err := strconv.ParseFloat(f[3], 64); err == nil && !math.IsNaN(ms) && !math.IsInf(ms, 0) && ms >= 0 && ms < 1e9 {
			c.RTT, c.HasRTT = time.Duration(ms*float64(time.Millisecond)), true
		}
		cs = append(cs, c)
	}
	if !seenFooter {
		return nil, garbage("pjsip show contacts", out)
	}
	return cs, nil
}

var contactStatusFromAMI = map[string]string{"Reachable": "Avail", "Unreachable": "Unavail", "NonQualified": "NonQual", "Unknown": "Unknown", "Removed": "Removed"}

// ParseContactList reads the ContactList events of PJSIPShowContacts
// (registered contacts only: the AMI leaves out the contacts configured on
// an AOR, such as a trunk's).
func ParseContactList(items []*ami.Message) []Contact {
	out := make([]Contact, 0, len(items))
	for _, m := range items {
		if m.Event() != "ContactList" {
			continue
		}
		aor, _, _ := strings.Cut(m.Get("ObjectName"), ";@")
		c := Contact{AOR: aor, URI: m.Get("Uri"), Status: contactStatusFromAMI[m.Get("Status")]}
		if c.Status == "" {
			c.Status = "Unknown"
		}
		if us, err := strconv.ParseInt(m.Get("RoundtripUsec"), 10, 64); err == nil && us >= 0 {
			c.RTT, c.HasRTT = time.Duration(us)*time.Microsecond, true
		}
		out = append(out, c)
	}
	return out
}

// pjsipContacts returns every contact with its qualify RTT. `pjsip show
// contacts` (the Command action over AMI) is the one answer that holds the
// configured contacts of trunks as well as registered ones; when the AMI
// account may not run Command, PJSIPShowContacts gives the registered ones.
func pjsipContacts(ctx context.Context, api API) ([]Contact, error) {
	out, err := api.Command(ctx, "pjsip show contacts")
	if err == nil {
		return ParsePJSIPContacts(out)
	}
	if api.AMI() && ami.IsPermissionDenied(err) {
		items, err := list(ctx, api, "PJSIPShowContacts")
		if err != nil {
			return nil, err
		}
		return ParseContactList(items), nil
	}
	return nil, noData("pjsip show contacts", err)
}

var contactStatuses = []string{"Avail", "Unavail", "NonQual", "Unknown"}

var (
	pjsipContactsDesc = newDesc("pjsip", "contacts",
		"PJSIP contacts of an AOR by status (Avail, Unavail, NonQual, Unknown) (`pjsip show contacts`).", "aor", "status")
	pjsipContactRTT = newDesc("pjsip", "contact_rtt_seconds",
		"Highest qualify round trip among the reachable contacts of an AOR. The PJSIP counterpart of seed 004's asterisk_sip_peer_latency_ms.",
		"aor")
)

// pjsipContactsScraper runs `pjsip show contacts`.
type pjsipContactsScraper struct{}

func (pjsipContactsScraper) Name() string { return "pjsip_contacts" }
func (pjsipContactsScraper) Help() string {
	return "PJSIP contacts by status and qualify round trip per AOR (pjsip show contacts)"
}
func (pjsipContactsScraper) Default() bool { return true }

func (pjsipContactsScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	cs, err := pjsipContacts(ctx, api)
	if err != nil {
		return err
	}
	type agg struct {
		counts map[string]int
		rtt    time.Duration
		hasRTT bool
	}
	aors := map[string]*agg{}
	var order []string
	for _, c := range cs {
		a := aors[c.AOR]
		if a == nil {
			a = &agg{counts: map[string]int{}}
			aors[c.AOR] = a
			order = append(order, c.AOR)
		}
		a.counts[c.Status]++
		if c.Status == "Avail" && c.HasRTT && (!a.hasRTT || c.RTT > a.rtt) {
			a.rtt, a.hasRTT = c.RTT, true
		}
	}
	for _, aor := range order {
		a := aors[aor]
		for _, st := range contactStatuses {
			gauge(ch, pjsipContactsDesc, float64(a.counts[st]), aor, st)
		}
		if a.hasRTT {
			gauge(ch, pjsipContactRTT, a.rtt.Seconds(), aor)
		}
	}
	return nil
}

package freeswitch

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// SofiaEntry is one line of `sofia xmlstatus`: a profile, a gateway or an alias.
type SofiaEntry struct {
	Name  string // "internal", "gw-loop"
	Type  string // "profile", "gateway", "alias"
	Data  string // the profile's or gateway's SIP URL, or the aliased profile
	State string // "RUNNING (0)" for a profile, "REGED", "NOREG"… for a gateway, "ALIASED"
}

// Running reports whether a profile's state is RUNNING.
func (e SofiaEntry) Running() bool { return strings.HasPrefix(e.State, "RUNNING") }

// Sessions returns N from a profile's "RUNNING (N)": the sessions using it.
func (e SofiaEntry) Sessions() (int, bool) {
	_, rest, ok := strings.Cut(e.State, "(")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, ")")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// SofiaStatus is the reply of `sofia xmlstatus`, in FreeSWITCH's order.
type SofiaStatus struct {
	Profiles []SofiaEntry
	Gateways []SofiaEntry // Name without the profile: the XML does not say which profile
	Aliases  []SofiaEntry
}

// ParseSofiaXMLStatus parses the reply of `sofia xmlstatus`:
// <profiles> holding <profile>, <gateway> and <alias> elements, each with
// <name>, <type>, <data> and <state>. Other elements are ignored.
func ParseSofiaXMLStatus(body []byte) (SofiaStatus, error) {
	var st SofiaStatus
	root, recs, err := parseSofiaXML("sofia xmlstatus", body)
	if err != nil {
		return st, err
	}
	if root != "profiles" {
		return st, fmt.Errorf("sofia xmlstatus: root element <%s>, want <profiles>", clip(root, 40))
	}
	for i := range recs {
		r := &recs[i]
		e := SofiaEntry{Name: r.get("name"), Type: r.get("type"), Data: r.get("data"), State: r.get("state")}
		var list *[]SofiaEntry
		switch r.kind {
		case "profile":
			list = &st.Profiles
		case "gateway":
			list = &st.Gateways
		case "alias":
			list = &st.Aliases
		default:
			continue
		}
		if e.Name == "" {
			return SofiaStatus{}, fmt.Errorf("sofia xmlstatus: <%s> %d has no <name>", r.kind, i+1)
		}
		*list = append(*list, e)
	}
	return st, nil
}

var (
	sofiaProfileUp = newDesc("sofia", "profile_up",
		"Whether the SIP profile is RUNNING (1) or not (0) (`sofia xmlstatus`). New; not in seed 000.", "profile")
	sofiaProfileSessions = newDesc("sofia", "profile_sessions",
		"Sessions using the SIP profile now: N in its state \"RUNNING (N)\" (`sofia xmlstatus`). New; not in seed 000.", "profile")
	sofiaProfileInfo = newDesc("sofia", "profile_info",
		"SIP profile and its URL, always 1 (`sofia xmlstatus`). New; not in seed 000.", "profile", "url")
)

// sofiaStatusScraper runs `sofia xmlstatus` and reports profiles. Gateways
// are left to sofiaGatewaysScraper, whose reply says which profile each
// belongs to; aliases repeat a profile and are skipped.
type sofiaStatusScraper struct{}

func (sofiaStatusScraper) Name() string { return "sofia_status" }
func (sofiaStatusScraper) Help() string {
	return "SIP profiles: running, sessions in use, URL, from `sofia xmlstatus`"
}
func (sofiaStatusScraper) Default() bool { return true }

func (sofiaStatusScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	body, err := call(ctx, api, "sofia xmlstatus")
	if err != nil {
		return err
	}
	st, err := ParseSofiaXMLStatus(body)
	if err != nil {
		return err
	}
	seen := make(map[string]struct{}, len(st.Profiles))
	for _, p := range st.Profiles {
		key := clip(p.Name, maxLabelBytes) // the label value, which must be unique
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		gauge(ch, sofiaProfileUp, boolFloat(p.Running()), p.Name)
		if n, ok := p.Sessions(); ok {
			gauge(ch, sofiaProfileSessions, float64(n), p.Name)
		}
		gauge(ch, sofiaProfileInfo, 1, p.Name, p.Data)
	}
	return nil
}

package freeswitch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Registration is one row of `show registrations as json` (the core
// registrations table that mod_sofia fills).
type Registration struct {
	User         string    // reg_user
	Realm        string    // realm
	Token        string    // token (the REGISTER Call-ID)
	URL          string    // url: "sofia/internal/sip:…"
	Expires      time.Time // expires, epoch seconds; zero when empty
	NetworkIP    string    // network_ip
	NetworkPort  int       // network_port; 0 when empty
	NetworkProto string    // network_proto: "udp", "tcp", "tls", "ws", "wss"…
	Hostname     string    // hostname of the FreeSWITCH that holds it
	Metadata     string    // metadata
}

type registrationRow struct {
	RegUser      string `json:"reg_user"`
	Realm        string `json:"realm"`
	Token        string `json:"token"`
	URL          string `json:"url"`
	Expires      string `json:"expires"`
	NetworkIP    string `json:"network_ip"`
	NetworkPort  string `json:"network_port"`
	NetworkProto string `json:"network_proto"`
	Hostname     string `json:"hostname"`
	Metadata     string `json:"metadata"`
}

// ParseRegistrationsJSON parses the reply of `show registrations as json`:
// {"row_count":N,"rows":[{…}]}, or {"row_count":0} when there is none.
// The plain `show registrations` reply ends in "N total.": see ParseCount.
func ParseRegistrationsJSON(body []byte) ([]Registration, error) {
	const what = "show registrations as json"
	if len(body) > MaxReplyBytes {
		return nil, fmt.Errorf("%s: reply of %d bytes is over the limit", what, len(body))
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return nil, garbage(what, body)
	}
	var doc struct {
		RowCount *int64            `json:"row_count"`
		Rows     []registrationRow `json:"rows"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if doc.RowCount == nil {
		return nil, fmt.Errorf("%s: no row_count", what)
	}
	if *doc.RowCount != int64(len(doc.Rows)) {
		return nil, fmt.Errorf("%s: row_count %d but %d rows", what, *doc.RowCount, len(doc.Rows))
	}
	regs := make([]Registration, len(doc.Rows))
	for i, r := range doc.Rows {
		reg := Registration{
			User: r.RegUser, Realm: r.Realm, Token: r.Token, URL: r.URL,
			NetworkIP: r.NetworkIP, NetworkProto: r.NetworkProto, Hostname: r.Hostname, Metadata: r.Metadata,
		}
		if r.Expires != "" {
			n, err := strconv.ParseInt(r.Expires, 10, 64)
			if err != nil || n < 0 || n > maxEpoch {
				return nil, fmt.Errorf("%s: row %d: bad expires %q", what, i+1, clip(r.Expires, 40))
			}
			reg.Expires = time.Unix(n, 0)
		}
		if r.NetworkPort != "" {
			n, err := strconv.Atoi(r.NetworkPort)
			if err != nil || n < 0 || n > 65535 {
				return nil, fmt.Errorf("%s: row %d: bad network_port %q", what, i+1, clip(r.NetworkPort, 40))
			}
			reg.NetworkPort = n
		}
		regs[i] = reg
	}
	return regs, nil
}

// countRegistrationsJSON counts the rows of `show registrations as json` by
// network_proto, decoding only that field: about half the time and a tenth
// of the memory of ParseRegistrationsJSON on 50,000 rows.
func countRegistrationsJSON(body []byte) (map[string]int, error) {
	const what = "show registrations as json"
	if len(body) > MaxReplyBytes {
		return nil, fmt.Errorf("%s: reply of %d bytes is over the limit", what, len(body))
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return nil, garbage(what, body)
	}
	var doc struct {
		RowCount *int64 `json:"row_count"`
		Rows     []struct {
			NetworkProto string `json:"network_proto"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if doc.RowCount == nil {
		return nil, fmt.Errorf("%s: no row_count", what)
	}
	if *doc.RowCount != int64(len(doc.Rows)) {
		return nil, fmt.Errorf("%s: row_count %d but %d rows", what, *doc.RowCount, len(doc.Rows))
	}
	counts := make(map[string]int, 4)
	for _, r := range doc.Rows {
		counts[r.NetworkProto]++
	}
	return counts, nil
}

// registrationProtos are always reported, 0 when none, so that series do
// not come and go. Other values are reported as seen, up to maxOtherProtos;
// beyond that they are summed under "other".
var registrationProtos = []string{"udp", "tcp", "tls", "sctp", "ws", "wss"}

const maxOtherProtos = 8

var registrations = newDesc("", "registrations",
	"SIP registrations held now, by network_proto (`show registrations as json`); sum() for the total. New; not in seed 000.", "network_proto")

// registrationsScraper runs `show registrations as json`. Its reply holds one
// row of about 300 bytes per registration (15 MB for 50,000): on such boxes
// consider --no-collector.freeswitch.registrations or a longer scrape timeout.
type registrationsScraper struct{}

func (registrationsScraper) Name() string { return "registrations" }
func (registrationsScraper) Help() string {
	return "SIP registrations by transport, from `show registrations as json` (reply grows with the registrations: ~15 MB at 50k)"
}
func (registrationsScraper) Default() bool { return true }

func (registrationsScraper) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	body, err := call(ctx, api, "show registrations as json")
	if err != nil {
		return err
	}
	raw, err := countRegistrationsJSON(body)
	if err != nil {
		return err
	}
	for p, n := range registrationsByProto(raw) {
		gauge(ch, registrations, float64(n), p)
	}
	return nil
}

// registrationsByProto turns raw network_proto counts into label values:
// lower-cased, "" as "unknown", the registrationProtos always there, at most
// maxOtherProtos other values (the most frequent, ties by name) and the rest
// summed as "other".
func registrationsByProto(raw map[string]int) map[string]int {
	counts := make(map[string]int, len(registrationProtos)+maxOtherProtos+1)
	for _, p := range registrationProtos {
		counts[p] = 0
	}
	extra := map[string]int{}
	for p, n := range raw {
		p = clip(strings.ToLower(strings.TrimSpace(p)), 32)
		if p == "" {
			p = "unknown"
		}
		if _, ok := counts[p]; ok {
			counts[p] += n
		} else {
			extra[p] += n
		}
	}
	names := make([]string, 0, len(extra))
	for p := range extra {
		names = append(names, p)
	}
	sort.Slice(names, func(i, j int) bool {
		if extra[names[i]] != extra[names[j]] {
			return extra[names[i]] > extra[names[j]]
		}
		return names[i] < names[j]
	})
	for i, p := range names {
		if i < maxOtherProtos {
			counts[p] += extra[p]
		} else {
			counts["other"] += extra[p]
		}
	}
	return counts
}

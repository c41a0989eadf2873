package config

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/voip-exporter/voip_exporter/binrpc"
)

// DefaultKamailioAddress is where Debian's Kamailio puts its ctl socket.
const DefaultKamailioAddress = "unix:/run/kamailio/kamailio_ctl"

// Kamailio is one Kamailio reached over BINRPC (its ctl module).
type Kamailio struct {
	Name string `yaml:"name"`
	// Address of the ctl socket: "unix:/run/kamailio/kamailio_ctl",
	// "tcp:host:port" or "udp:host:port".
	Address string        `yaml:"address"`
	Timeout time.Duration `yaml:"timeout"`
	// DlgProfiles are dialog profiles whose size is exported.
	DlgProfiles []string `yaml:"dlg_profiles"`
	// DispatcherSets names dispatcher sets (set id → name): the set_name label.
	DispatcherSets map[int]string `yaml:"dispatcher_sets"`
	// CustomMetricsURL is xhttp_prom's URL, merged into the scrape.
	CustomMetricsURL string `yaml:"custom_metrics_url"`
	// Collectors turns collectors on or off for this instance only
	// ("dispatcher.list": false), over the --collector.kamailio.* flags.
	Collectors map[string]bool `yaml:"collectors"`
	// StatTypes types statistics Kamailio does not type (script.*, other
	// modules'): "group.name" as stats.fetch prints it → counter, gauge
	// or untyped.
	StatTypes map[string]string `yaml:"stat_types"`

	// Line is where the instance starts in the file (0 when it came from elsewhere).
	Line int `yaml:"-"`
}

func init() { probeSources["kamailio"] = true }

func (c *Config) defaultsKamailio() {
	for i := range c.Kamailio {
		k := &c.Kamailio[i]
		if k.Address == "" {
			k.Address = DefaultKamailioAddress
		}
		if k.Timeout == 0 {
			k.Timeout = c.Global.Timeout
		}
	}
}

func (c *Config) validateKamailio(bad badFunc) {
	seen := map[string]int{}
	for i, x := range c.Kamailio {
		where := fmtWhere("kamailio", i)
		checkName(bad, x.Line, "kamailio", i, x.Name, seen)
		if _, err := binrpc.ParseAddress(x.Address); err != nil {
			bad(x.Line, "%s: address: %v", where, err)
		}
		if err := checkTimeout(x.Timeout); err != nil {
			bad(x.Line, "%s: timeout: %v", where, err)
		}
		for j, p := range x.DlgProfiles {
			if p == "" {
				bad(x.Line, "%s: dlg_profiles[%d] is empty", where, j)
			}
		}
		for id, name := range x.DispatcherSets {
			if id < 0 || name == "" {
				bad(x.Line, "%s: dispatcher_sets: set %s needs an id ≥ 0 and a name", where, strconv.Itoa(id))
			}
		}
		for _, name := range sortedNames(x.StatTypes) {
			group, stat, ok := strings.Cut(name, ".")
			if !ok || group == "" || stat == "" {
				bad(x.Line, "%s: stat_types: %q: want a statistic as stats.fetch names it, group.name (script.calls)", where, name)
			}
			switch x.StatTypes[name] {
			case "counter", "gauge", "untyped":
			default:
				bad(x.Line, "%s: stat_types: %s: type %q: want counter, gauge or untyped", where, name, x.StatTypes[name])
			}
		}
		if x.CustomMetricsURL != "" {
			u, err := url.Parse(x.CustomMetricsURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				bad(x.Line, "%s: custom_metrics_url %q: want http://host:port/path", where, x.CustomMetricsURL)
			}
		}
	}
}

// KamailioModuleAddress checks a /probe target for the kamailio source.
func KamailioModuleAddress(target string) error {
	if _, err := binrpc.ParseAddress(target); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	return nil
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

package kamailio

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/binrpc"
)

var dsLabels = []string{"destination", "set_id", "set_name"}

var (
	dsSets = newDesc("dispatcher_list", "sets",
		"Dispatcher sets loaded (dispatcher.list NRSETS). New; not in seed 003.")
	dsTarget = newDesc("dispatcher_list", "target",
		"1 when the target is active (FLAGS A…, probing or not), else 0 (dispatcher.list). Seed 003: same name, but it read 1 only for AP.", dsLabels...)
	dsState = newDesc("dispatcher_list", "target_state",
		"1 for the target's current state among active, inactive, disabled, trying; 0 for the others (dispatcher.list FLAGS, first letter A/I/D/T). New; not in seed 003.",
		append(dsLabels, "state")...)
	dsProbing = newDesc("dispatcher_list", "target_probing",
		"1 when Kamailio probes the target with OPTIONS (dispatcher.list FLAGS, second letter P). New; not in seed 003.", dsLabels...)
	dsFlags = newDesc("dispatcher_list", "target_flags_status",
		"Always 1; the flags label is the target's FLAGS as kamcmd shows them (AP, IP, DX…) (dispatcher.list). Seed 003: same name.",
		"destination", "flags", "set_id", "set_name")
	dsPriority = newDesc("dispatcher_list", "target_priority",
		"Target priority (dispatcher.list PRIORITY). Seed 003: same name.", dsLabels...)
	dsWeight = newDesc("dispatcher_list", "target_weight",
		"Target weight (dispatcher.list ATTRS WEIGHT). Seed 003: same name.", dsLabels...)
	dsRWeight = newDesc("dispatcher_list", "target_rweight",
		"Target relative weight (dispatcher.list ATTRS RWEIGHT). Seed 003: same name.", dsLabels...)
	dsMaxLoad = newDesc("dispatcher_list", "target_maxload",
		"Target maximum load, 0 = no limit (dispatcher.list ATTRS MAXLOAD). New; not in seed 003.", dsLabels...)
	dsLatAvg = newDesc("dispatcher_list", "target_latency_avg_seconds",
		"Average OPTIONS round trip of the target (dispatcher.list LATENCY AVG, ms/1000; needs ds_ping_latency_stats). Seed 003: kamailio_dispatcher_list_target_latency_avg (ms).", dsLabels...)
	dsLatStd = newDesc("dispatcher_list", "target_latency_std_seconds",
		"Standard deviation of the target's round trip (dispatcher.list LATENCY STD, ms/1000). Seed 003: kamailio_dispatcher_list_target_latency_std (ms).", dsLabels...)
	dsLatEst = newDesc("dispatcher_list", "target_latency_est_seconds",
		"Estimated (weighted moving average) round trip of the target (dispatcher.list LATENCY EST, ms/1000). Seed 003: kamailio_dispatcher_list_target_latency_est (ms).", dsLabels...)
	dsLatMax = newDesc("dispatcher_list", "target_latency_max_seconds",
		"Highest round trip of the target (dispatcher.list LATENCY MAX, ms/1000). Seed 003: kamailio_dispatcher_list_target_latency_max (ms).", dsLabels...)
	dsLatTimeout = newDesc("dispatcher_list", "target_latency_timeout_total",
		"Probes of the target that timed out (dispatcher.list LATENCY TIMEOUT). Seed 003: kamailio_dispatcher_list_target_latency_timeout (a gauge).", dsLabels...)
)

var dsStates = [...]struct {
	letter byte
	name   string
}{{'A', "active"}, {'I', "inactive"}, {'D', "disabled"}, {'T', "trying"}}

// dispatcherList runs `dispatcher.list`.
type dispatcherList struct {
	sets map[int]string // set id → set_name
}

func (*dispatcherList) Name() string { return "dispatcher.list" }
func (*dispatcherList) Help() string {
	return "every dispatcher target: state, probing, priority, weights, latency from `dispatcher.list`"
}
func (*dispatcherList) Default() bool { return true }

func (d *dispatcherList) Scrape(ctx context.Context, rpc RPC, ch chan<- prometheus.Metric) error {
	r, err := rpc.Call(ctx, "dispatcher.list")
	if err != nil {
		var f *binrpc.Fault
		if asFault(err, &f) && f.Code == 404 {
			// "No destination sets": the module runs with an empty list.
			gauge(ch, dsSets, 0)
			return nil
		}
		return err
	}
	st := r.First()
	n, ok := num(st, "NRSETS")
	if !ok {
		return badReply("dispatcher.list", "no NRSETS")
	}
	gauge(ch, dsSets, n)
	for set := range st.Field("RECORDS").Items() {
		id, ok := set.Field("ID").Int()
		if !ok {
			return badReply("dispatcher.list", "SET without ID")
		}
		setID := strconv.Itoa(id)
		setName := d.sets[id]
		for dst := range set.Field("TARGETS").Items() {
			d.target(ch, dst, setID, setName)
		}
	}
	return nil
}

func (d *dispatcherList) target(ch chan<- prometheus.Metric, dst binrpc.Value, setID, setName string) {
	l := []string{label(dst.Field("URI").Str()), setID, setName}
	flags := dst.Field("FLAGS").Str()
	var state, probing byte
	if len(flags) > 0 {
		state = flags[0]
	}
	if len(flags) > 1 {
		probing = flags[1]
	}
	gauge(ch, dsTarget, boolFloat(state == 'A'), l...)
	for _, s := range dsStates {
		gauge(ch, dsState, boolFloat(state == s.letter), l[0], l[1], l[2], s.name)
	}
	gauge(ch, dsProbing, boolFloat(probing == 'P'), l...)
	gauge(ch, dsFlags, 1, l[0], label(flags), l[1], l[2])
	if v, ok := num(dst, "PRIORITY"); ok {
		gauge(ch, dsPriority, v, l...)
	}
	attrs := dst.Field("ATTRS")
	if v, ok := num(attrs, "WEIGHT"); ok {
		gauge(ch, dsWeight, v, l...)
	}
	if v, ok := num(attrs, "RWEIGHT"); ok {
		gauge(ch, dsRWeight, v, l...)
	}
	if v, ok := num(attrs, "MAXLOAD"); ok {
		gauge(ch, dsMaxLoad, v, l...)
	}
	lat := dst.Field("LATENCY")
	if !lat.Valid() {
		return
	}
	for _, m := range []struct {
		name string
		desc *prometheus.Desc
	}{{"AVG", dsLatAvg}, {"STD", dsLatStd}, {"EST", dsLatEst}, {"MAX", dsLatMax}} {
		if v, ok := num(lat, m.name); ok {
			gauge(ch, m.desc, v/1000, l...)
		}
	}
	if v, ok := num(lat, "TIMEOUT"); ok {
		counter(ch, dsLatTimeout, v, l...)
	}
}

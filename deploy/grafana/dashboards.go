package grafana

// All returns every dashboard, keyed by its file name under dashboards/.
// Each source adds its own in a file of its own (freeswitch.go, kamailio.go…).
func All() map[string]Dashboard {
	out := map[string]Dashboard{"overview.json": overview()}
	for name, d := range sourceDashboards {
		out[name] = d()
	}
	return out
}

var sourceDashboards = map[string]func() Dashboard{}

var (
	red    = Threshold{Color: "red"}
	green  = Threshold{Color: "green"}
	orange = "orange"
)

func at(v float64, color string) Threshold { return Threshold{Value: f(v), Color: color} }

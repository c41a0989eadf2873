// Command voip_exporter exports FreeSWITCH (and, as sources are added,
// Kamailio, Asterisk, ViciDial and fail2ban) metrics to Prometheus.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/demo"
	"github.com/voip-exporter/voip_exporter/source"
	vweb "github.com/voip-exporter/voip_exporter/web"
)

// DefaultListenAddress: 9100–9999 is fully allocated on Prometheus'
// default-port-allocations page, so the port is outside it (19060, after SIP's 5060).
const DefaultListenAddress = ":19060"

const name = "voip_exporter"

func main() {
	app := kingpin.New(name, "Prometheus and OpenTelemetry exporter for the open-source telephony stack.")
	app.DefaultEnvars() // every flag also reads VOIP_EXPORTER_<FLAG_NAME>
	configFile := app.Flag("config.file", "YAML configuration file: instances per source, probe modules.").String()
	configCheck := app.Flag("config.check", "Only validate the configuration file, then exit.").Bool()
	demoMode := app.Flag("demo", "Start simulated FreeSWITCH servers on loopback and export them too.").Bool()
	maxRequests := app.Flag("web.max-requests", "Maximum concurrent /metrics and /probe requests (0: no limit).").Default("40").Int()
	toolkitFlags := kingpinflag.AddFlags(app, DefaultListenAddress)
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	for _, src := range sources {
		if src.addFlags != nil {
			src.addFlags(app)
		}
	}
	app.Version(version.Print(name))
	app.HelpFlag.Short('h')
	kingpin.MustParse(app.Parse(os.Args[1:]))

	logger := promslog.New(logConfig)
	cfg, err := config.Load(*configFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: bad configuration:\n%v\n", name, err)
		os.Exit(1)
	}
	if *configCheck {
		fmt.Printf("%s: configuration OK: %d FreeSWITCH, %d Kamailio, %d Asterisk, %d ViciDial, %d fail2ban instance(s), %d probe module(s)\n",
			orDefault(*configFile), len(cfg.FreeSWITCH), len(cfg.Kamailio), len(cfg.Asterisk), len(cfg.ViciDial), len(cfg.Fail2ban), len(cfg.Modules))
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("starting "+name, "version", version.Info(), "build", version.BuildContext())

	if *demoMode {
		d, err := demo.Start(ctx, logger.With("component", "demo"))
		if err != nil {
			logger.Error("demo failed to start", "err", err)
			os.Exit(1)
		}
		defer d.Close()
		d.Extend(cfg)
	}

	var instances []source.Instance
	for _, src := range sources {
		insts, err := src.build(ctx, cfg, logger)
		if err != nil {
			logger.Error("cannot set up source", "kind", src.name, "err", err)
			os.Exit(1)
		}
		instances = append(instances, insts...)
	}
	for _, inst := range instances {
		go inst.Run(ctx)
	}
	defer shutdownQuality() // quality.go: flush leg state and the OTLP queues
	if len(instances) == 0 {
		logger.Warn("no instances configured: pass --config.file or --demo")
	}

	self := prometheus.NewRegistry()
	self.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector(name),
	)
	registerHA(self) // ha.go
	srv, err := vweb.New(vweb.Options{
		Instances:           instances,
		Self:                self,
		Probe:               probeFunc(cfg, logger),
		ModuleSource:        func(m string) string { return cfg.Modules[m].Source },
		Logger:              logger,
		MaxRequestsInFlight: *maxRequests,
		Landing:             landing(),
		StatusPage:          true,
		Calls:               liveCalls,   // quality.go
		Agent:               haAgentView, // ha.go
	})
	if err != nil {
		logger.Error("web setup failed", "err", err)
		os.Exit(1)
	}
	if err := srv.Serve(ctx, toolkitFlags); err != nil {
		logger.Error("web server stopped", "err", err)
		os.Exit(1)
	}
	logger.Info("stopped")
}

// probeFunc reaches /probe targets that are not configured instances with
// the settings of the named module.
func probeFunc(cfg *config.Config, logger *slog.Logger) vweb.ProbeFunc {
	return func(ctx context.Context, module, target string) (source.Instance, func(), error) {
		m, ok := cfg.Modules[module]
		if !ok {
			return nil, nil, fmt.Errorf("%w %q: add it under modules: in the configuration file", vweb.ErrUnknownModule, module)
		}
		for _, src := range sources {
			if src.name == m.Source && src.probe != nil {
				return src.probe(target, m, logger)
			}
		}
		return nil, nil, fmt.Errorf("%w %q: source %q cannot be probed", vweb.ErrUnknownModule, module, m.Source)
	}
}

func landing() web.LandingConfig {
	return web.LandingConfig{
		Name:        "VoIP Exporter",
		Description: "Prometheus exporter for FreeSWITCH, Kamailio, Asterisk, ViciDial and fail2ban",
		Version:     version.Info(),
		Links: []web.LandingLinks{
			{Address: "/metrics", Text: "Metrics"},
			{Address: "/health", Text: "Health (JSON per instance)"},
			{Address: "/ready", Text: "Readiness"},
		},
	}
}

func orDefault(file string) string {
	if file == "" {
		return "(no file)"
	}
	return file
}

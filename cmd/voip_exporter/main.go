// Command voip_exporter exports FreeSWITCH, Kamailio, Asterisk, ViciDial, fail2ban and rtpengine metrics to
// Prometheus (and call quality to OTLP). This package is wiring only: one file per source, and main.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/demo"
	"github.com/voip-exporter/voip_exporter/pipeline"
	"github.com/voip-exporter/voip_exporter/source"
	vweb "github.com/voip-exporter/voip_exporter/web"
)

// DefaultListenAddress: 9100–9999 is fully allocated on Prometheus'
// default-port-allocations page, so the port is outside it (19060, after SIP's 5060).
const DefaultListenAddress = ":19060"

const name = "voip_exporter"

// shutdownTimeout bounds the flush at exit (leases, Redis write-back, OTLP queues).
const shutdownTimeout = 5 * time.Second

func main() {
	app := kingpin.New(name, "Prometheus and OpenTelemetry exporter for the open-source telephony stack.")
	app.DefaultEnvars() // every flag also reads VOIP_EXPORTER_<FLAG_NAME>
	configFile := app.Flag("config.file", "YAML configuration file: instances per source, probe modules.").String()
	configCheck := app.Flag("config.check", "Only validate the configuration file, then exit.").Bool()
	demoMode := app.Flag("demo", "Start simulated FreeSWITCH, Kamailio and Asterisk servers on loopback and export them too.").Bool()
	metricsPath := app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default(vweb.DefaultMetricsPath).String()
	maxRequests := app.Flag("web.max-requests", "Maximum concurrent metrics and /probe requests (0: no limit).").Default("40").Int()
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
		file := *configFile
		if file == "" {
			file = "(no file)"
		}
		fmt.Printf("%s: configuration OK: %d FreeSWITCH, %d Kamailio, %d Asterisk, %d ViciDial, %d fail2ban instance(s), %d probe module(s)\n",
			file, len(cfg.FreeSWITCH), len(cfg.Kamailio), len(cfg.Asterisk), len(cfg.ViciDial), len(cfg.Fail2ban), len(cfg.Modules))
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("starting "+name, "version", version.Info(), "build", version.BuildContext())
	fatal := func(msg string, args ...any) { logger.Error(msg, args...); os.Exit(1) }

	if *demoMode {
		d, err := demo.Start(ctx, logger.With("component", "demo"))
		if err != nil {
			fatal("demo failed to start", "err", err)
		}
		defer d.Close() // last: the simulators outlive the connections to them
		d.Extend(cfg)
	}

	// The event pipeline, then the instances that feed it, then its loops, then the instances.
	pl, err := pipeline.New(cfg, logger)
	if err != nil {
		fatal("cannot set up the event pipeline", "err", err)
	}
	var instances []source.Instance
	for _, src := range sources {
		insts, err := src.instances(ctx, cfg, pl, logger)
		if err != nil {
			pl.Close(context.Background())
			fatal("cannot set up source", "kind", src.name, "err", err)
		}
		instances = append(instances, insts...)
	}
	pl.Start()
	for _, inst := range instances {
		go inst.Run(ctx)
	}
	if len(instances) == 0 {
		logger.Warn("no instances configured: pass --config.file or --demo")
	}

	self := prometheus.NewRegistry()
	self.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector(name))
	self.MustRegister(pl.Collectors()...)
	srv, err := vweb.New(vweb.Options{
		Instances: instances, Self: self, Probe: probeFunc(cfg, logger), Logger: logger,
		ModuleSource:        func(m string) string { return cfg.Modules[m].Source },
		MaxRequestsInFlight: *maxRequests, MetricsPath: *metricsPath,
		StatusPage: true, Calls: pl.Calls, Carriers: pl.Carriers, Agent: pl.Agent,
	})
	if err != nil {
		fatal("web setup failed", "err", err)
	}
	err = srv.Serve(ctx, toolkitFlags) // until SIGINT/SIGTERM: the instances stop with ctx

	closeCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	pl.Close(closeCtx) // leases released, legs written back, OTLP queues flushed
	if err != nil {
		fatal("web server stopped", "err", err)
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

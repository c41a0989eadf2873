package asterisk

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/ha"
	"github.com/voip-exporter/voip_exporter/outcome"
	"github.com/voip-exporter/voip_exporter/source"
)

var (
	amiBytesDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "ami", "bytes_read_total"),
		"Bytes read from the Asterisk Manager Interface.", nil, nil)
	amiMessagesDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "ami", "messages_read_total"),
		"AMI messages (responses and events) read.", nil, nil)
	amiEventsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "ami", "events_read_total"),
		"Unsolicited AMI events read (event-list items not included).", nil, nil)
	amiActionsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "ami", "actions_total"),
		"AMI actions sent: one round trip each.", nil, nil)
	amiActionErrorsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "ami", "action_errors_total"),
		"AMI actions that failed (transport error, timeout or Response: Error).", nil, nil)
	cliCommandsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "cli", "commands_total"),
		"`asterisk -rx` commands run (CLI mode).", nil, nil)
	cliErrorsDesc = prometheus.NewDesc(
		prometheus.BuildFQName(source.SelfNamespace, "cli", "command_errors_total"),
		"`asterisk -rx` commands that failed: exit status, timeout, Asterisk not running (an unknown command is an answer, not a failure).", nil, nil)
)

// Instance is one configured Asterisk: in AMI mode a persistent, reconnecting
// AMI client (with RTCP event tracking), in CLI mode `asterisk -rx` runs;
// and the collector over either.
type Instance struct {
	cfg    config.Asterisk
	client *ami.Client // AMI mode
	cli    *CLI        // CLI mode
	rtcp   *RTCPTracker
	// outcomes: call outcomes per trunk from the AMI Dial/Hangup events (outcome.go); AMI mode only.
	outcomes *outcome.Tracker
	coll     *source.Collector[API]
	log      *slog.Logger
	lease    *ha.Lease      // HA: the event-derived series come from the owner only (ha.go)
	reloads  *reloadTracker // the last AMI Reload/FullyBooted events (reload.go); AMI mode only
}

// NewInstance builds the instance; Run connects it (AMI mode).
func NewInstance(cfg config.Asterisk, scrapers []source.Scraper[API], logger *slog.Logger) (*Instance, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	i := &Instance{cfg: cfg, log: logger}
	var kept []source.Scraper[API]
	for _, s := range scrapers {
		if o, ok := s.(optional); !ok || o.configured() {
			kept = append(kept, s)
		}
	}
	scrapers = kept
	var base API
	switch cfg.Mode {
	case config.AsteriskModeCLI:
		cli, err := NewCLI(cfg.CLIArgs(), cfg.Timeout)
		if err != nil {
			return nil, err
		}
		i.cli, base = cli, cli
	default:
		if cfg.RTCPEnabled() {
			i.rtcp = NewRTCPTracker()
		}
		i.outcomes = newOutcomes()
		opts := ami.ClientOptions{
			Address:       cfg.Address,
			Username:      cfg.Username,
			Secret:        string(cfg.Secret),
			Events:        "off",
			DialTimeout:   cfg.Timeout,
			ActionTimeout: cfg.Timeout,
			Logger:        logger,
			OnConnect:     i.onConnect,
		}
		opts.OnEvent = i.onEvent
		i.reloads = newReloadTracker()
		opts.OnEvent = withReloads(i.reloads, opts.OnEvent)
		client, err := ami.NewClient(opts)
		if err != nil {
			return nil, fmt.Errorf("asterisk %s: %w", cfg.Name, err)
		}
		i.client, base = client, AMIAPI{Conn: client}
	}
	i.coll = &source.Collector[API]{Source: Namespace, Client: memoAPI{inner: base}, Scrapers: logNoData(scrapers, logger), Logger: logger, Ready: i.ready}
	return i, nil
}

// onConnect asks for the RTCP and Hangup events only (the login asked for
// none). An account without the classes or the Filter action still works:
// the RTCP figures are then missing, which one log line says.
func (i *Instance) onConnect(ctx context.Context, c *ami.Conn) error {
	if i.rtcp == nil && i.outcomes == nil {
		return nil
	}
	if i.rtcp != nil {
		i.rtcp.Reset()
	}
	if i.outcomes != nil {
		i.outcomes.ResetAsterisk()
	}
	if _, err := c.Action(ctx, "Events", ami.Header{Key: "EventMask", Value: eventMask + "," + reloadEventMask}); err != nil {
		i.log.Warn("asterisk manager: cannot subscribe to call events (the account needs read=call,reporting); no asterisk_rtcp_* or voip_call_* metrics", "error", err.Error())
		return nil
	}
	for _, f := range append(append([]string{"Event: Hangup", "Event: RTCP"}, outcomeFilters...), reloadFilters...) {
		if _, err := c.Action(ctx, "Filter", ami.Header{Key: "Operation", Value: "Add"}, ami.Header{Key: "Filter", Value: f}); err != nil {
			i.log.Info("asterisk manager: the Filter action was refused (write=system); every call event will be read", "error", err.Error())
			break
		}
	}
	return nil
}

// Client is the instance's AMI client (nil in CLI mode).
func (i *Instance) Client() *ami.Client { return i.client }

// Source implements source.Instance.
func (i *Instance) Source() string { return Namespace }

// Name implements source.Instance.
func (i *Instance) Name() string { return i.cfg.Name }

// Address implements source.Instance: the AMI address, or "cli" plus the program.
func (i *Instance) Address() string {
	if i.cli != nil {
		return "cli:" + i.cfg.CLIArgs()[0]
	}
	return i.cfg.Address
}

// Timeout implements source.Instance.
func (i *Instance) Timeout() time.Duration { return i.cfg.Timeout }

// Run implements source.Instance: in AMI mode it keeps the connection up
// until ctx ends.
func (i *Instance) Run(ctx context.Context) {
	if i.client != nil {
		_ = i.client.Run(ctx)
		return
	}
	<-ctx.Done()
}

// Close stops the AMI client (Run returns).
func (i *Instance) Close() {
	if i.client != nil {
		i.client.Close()
	}
}

func (i *Instance) ready() error {
	if i.client == nil {
		return nil // CLI mode: every scrape tries
	}
	st := i.client.Status()
	if st.Connected {
		return nil
	}
	if st.LastError != "" {
		return fmt.Errorf("not connected: %s", st.LastError)
	}
	return fmt.Errorf("not connected yet")
}

// Collect implements source.Instance: every scraper under one scrape
// memo, so each action or command is sent once.
func (i *Instance) Collect(ctx context.Context, ch chan<- prometheus.Metric) {
	ctx = WithScrape(ctx)
	_ = i.coll.Collect(ctx, ch)
	if i.rtcp != nil && i.owns() {
		collectRTCP(ch, i.rtcp, i.clockRates(ctx))
	}
	i.collectOutcomes(ch)
	i.reloads.collect(ch)
	if i.lease != nil {
		i.lease.Collect(ch, i.owns())
	}
	if i.client == nil {
		ch <- prometheus.MustNewConstMetric(cliCommandsDesc, prometheus.CounterValue, float64(i.cli.commands.Load()))
		ch <- prometheus.MustNewConstMetric(cliErrorsDesc, prometheus.CounterValue, float64(i.cli.errors.Load()))
		return
	}
	st := i.client.Status()
	stats := i.client.Stats()
	source.SendConnection(ch, Namespace, source.Connection{Up: st.Connected, Reconnects: stats.Reconnects, ConnectFailures: stats.DialFailures})
	sendAMIStats(ch, stats)
}

func sendAMIStats(ch chan<- prometheus.Metric, s ami.Stats) {
	ch <- prometheus.MustNewConstMetric(amiBytesDesc, prometheus.CounterValue, float64(s.BytesRead))
	ch <- prometheus.MustNewConstMetric(amiMessagesDesc, prometheus.CounterValue, float64(s.MessagesRead))
	ch <- prometheus.MustNewConstMetric(amiEventsDesc, prometheus.CounterValue, float64(s.EventsRead))
	ch <- prometheus.MustNewConstMetric(amiActionsDesc, prometheus.CounterValue, float64(s.ActionsSent))
	ch <- prometheus.MustNewConstMetric(amiActionErrorsDesc, prometheus.CounterValue, float64(s.ActionErrors))
}

// Health implements source.Instance.
func (i *Instance) Health() source.Health {
	h := source.Health{Source: Namespace, Name: i.cfg.Name, Address: i.Address()}
	if i.client == nil {
		ok, lastOK, lastErr, lastErrAt := i.cli.status()
		h.Connected, h.ConnectedSince, h.LastError, h.LastErrorTime = ok, lastOK, lastErr, lastErrAt
		return h
	}
	st := i.client.Status()
	h.Connected, h.ConnectedSince, h.LastEvent = st.Connected, st.ConnectedSince, st.LastEvent
	h.LastError, h.LastErrorTime, h.Reconnects = st.LastError, st.LastErrorTime, st.Reconnects
	if i.lease != nil {
		i.lease.FillHealth(&h, i.owns())
	}
	return h
}

// logNoData wraps scrapers so that the first "no data" of each (a module not
// loaded, CLI mode without AMI…) is logged once, at Info level.
func logNoData(scrapers []source.Scraper[API], logger *slog.Logger) []source.Scraper[API] {
	out := make([]source.Scraper[API], len(scrapers))
	for k, s := range scrapers {
		out[k] = &noDataLogger{Scraper: s, log: logger}
	}
	return out
}

type noDataLogger struct {
	source.Scraper[API]
	log    *slog.Logger
	mu     sync.Mutex
	logged bool
}

func (s *noDataLogger) Scrape(ctx context.Context, api API, ch chan<- prometheus.Metric) error {
	err := s.Scraper.Scrape(ctx, api, ch)
	if source.IsNoData(err) {
		s.mu.Lock()
		first := !s.logged
		s.logged = true
		s.mu.Unlock()
		if first {
			s.log.Info("asterisk collector has no data; it stays quiet until the exporter restarts",
				"collector", s.Name(), "reason", err.Error())
		}
	}
	return err
}

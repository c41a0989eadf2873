package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/voip-exporter/voip_exporter/config"
	kamsim "github.com/voip-exporter/voip_exporter/sim/kamailio"
)

func init() { register("kamailio", startKamailio) }

// startKamailio launches a simulated Kamailio (ctl over TCP and a unix
// socket) whose traffic, dialogs and dispatcher targets move, and a fake
// xhttp_prom endpoint for its custom metrics.
func startKamailio(ctx context.Context, logger *slog.Logger) (part, error) {
	st := kamsim.Captured()
	st.Started = time.Now()
	st.LatencyStats = true
	st.TLS = &kamsim.TLSInfo{MaxConnections: 2048}
	srv := kamsim.New(st)
	tcpAddr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return part{}, err
	}
	dir, err := os.MkdirTemp("", "voip_exporter-demo-kamailio")
	if err != nil {
		srv.Close()
		return part{}, err
	}
	unixAddr, err := srv.Listen("unix", filepath.Join(dir, "kamailio_ctl"))
	if err != nil {
		srv.Close()
		os.RemoveAll(dir)
		return part{}, err
	}
	go func() {
		_ = srv.RunLoad(ctx, kamsim.Load{RequestsPerSecond: 20, MaxDialogs: 40, Period: 8 * time.Minute, Seed: 1})
	}()

	// xhttp_prom's output for the same state
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		os.RemoveAll(dir)
		return part{}, err
	}
	hs := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s := srv.Snapshot()
		var sb strings.Builder
		sb.WriteString("# User defined metrics\n")
		ms := time.Now().UnixMilli()
		for _, m := range []string{"OPTIONS", "REGISTER", "INVITE", "ACK", "BYE"} {
			for _, x := range s.Stats {
				if x.Name == "core.rcv_requests_"+strings.ToLower(m) {
					fmt.Fprintf(&sb, "kamailio_kam_sip_requests_total{method=%q} %d %d\n", m, x.Value, ms)
				}
			}
		}
		fmt.Fprintf(&sb, "kamailio_kam_active_calls %f %d\n", float64(s.DlgOngoing), ms)
		_, _ = w.Write([]byte(sb.String()))
	})}
	go func() { _ = hs.Serve(l) }()
	promURL := "http://" + l.Addr().String() + "/metrics"
	logger.Info("simulated Kamailio listening", "name", "demo-kamailio", "ctl", tcpAddr, "ctl_unix", unixAddr, "xhttp_prom", promURL)

	return part{
		extend: func(cfg *config.Config) {
			cfg.Kamailio = append(cfg.Kamailio, config.Kamailio{
				Name: "demo-kamailio", Address: tcpAddr, Timeout: cfg.Global.Timeout,
				DlgProfiles:      []string{"PROVIDER_A_IN", "PROVIDER_A_OUT"},
				DispatcherSets:   map[int]string{1: "PROVIDER_A", 2: "PROVIDER_B"},
				CustomMetricsURL: promURL,
			})
			if _, ok := cfg.Modules["kamailio"]; !ok {
				cfg.Modules["kamailio"] = config.Module{Source: "kamailio", Timeout: cfg.Global.Timeout}
			}
		},
		close: func() {
			_ = hs.Close()
			_ = srv.Close()
			_ = os.RemoveAll(dir)
		},
	}, nil
}

package kamailio

import (
	"bufio"
	cryptotls "crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/voip-exporter/voip_exporter/sim/kamailio/kamailiotest"
	"github.com/voip-exporter/voip_exporter/source"
)

// TestRealKamailioTLS runs Debian's Kamailio with the tls module (tls_max_connections=512) and one SIP
// client connected over TLS: tls.info answers, and the TLS limit and open connections are the
// configured 512 and our 1 — from core.tcp_info by default, from tls.info when core.tcp_info is off.
func TestRealKamailioTLS(t *testing.T) {
	k, err := kamailiotest.StartWith("../../testdata", kamailiotest.Options{TLS: true, NoRTPEngine: true})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Stop()
	conn, err := cryptotls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", k.TLSAddr, &cryptotls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS to Kamailio: %v\n%s", err, k.Logs())
	}
	defer conn.Close()
	local := conn.LocalAddr().String()
	req := strings.Replace(kamailiotest.Request("OPTIONS", "", k.TLSAddr, local, fmt.Sprintf("tls%d", time.Now().UnixNano())),
		"SIP/2.0/UDP", "SIP/2.0/TLS", 1)
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "SIP/2.0 200") {
		t.Fatalf("OPTIONS over TLS: %q %v\n%s", status, err, k.Logs())
	}
	for _, c := range []struct {
		name    string
		enabled func(source.Scraper[RPC]) bool
	}{
		{"core.tcp_info", nil},
		{"tls.info alone", func(s source.Scraper[RPC]) bool { return s.Default() && s.Name() != "core.tcp_info" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			inst, _ := startInstance(t, realConfig(k, k.CtlUnix), c.enabled)
			expect(t, scrape(t, inst), map[string]string{
				`voip_exporter_scrape_collector_success{collector="tls",source="kamailio"}`: "1",
				`kamailio_tls_clear_text_write_queued_bytes`:                                "0",
				`kamailio_tls_max_connections`:                                              "512",
				`kamailio_tls_connections`:                                                  "1",
			})
		})
	}
}

package asterisk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voip-exporter/voip_exporter/ami"
	"github.com/voip-exporter/voip_exporter/config"
	"github.com/voip-exporter/voip_exporter/source"
)

// The expected values below come from the captured lab (testdata/asterisk/
// README.md): busy = 12 channels, 6 calls, 9 processed; phones 1031–1034
// registered with qualify "OK (1 ms)", 1035/1036 not; carrier1 OK, carrier2
// UNREACHABLE; 1031 (ulaw) calls 1032 (alaw) and both legs transcode; 1033
// is in conference 8000 with a Local channel; 1034 waits in queue support.

func TestScrapeCoreStatus(t *testing.T) {
	want := hdr(t, activeChannels, "gauge") + "asterisk_active_channels 12\n" +
		hdr(t, activeCalls, "gauge") + "asterisk_active_calls 6\n" +
		hdr(t, callsProcessed, "counter") + "asterisk_calls_processed_total 9\n"
	compareScrape(t, coreStatusScraper{}, cliFake(t, "busy"), want)
	compareScrape(t, coreStatusScraper{}, amiFake(t), want)
}

func TestScrapeUptimeVersion(t *testing.T) {
	want := hdr(t, uptimeSeconds, "gauge") + "asterisk_uptime_seconds 273\n" +
		hdr(t, lastReloadSeconds, "gauge") + "asterisk_last_reload_seconds 273\n"
	compareScrape(t, uptimeScraper{}, cliFake(t, "busy"), want)
	compareScrape(t, uptimeScraper{}, amiFake(t), want)
	want = hdr(t, versionInfo, "gauge") + `asterisk_version_info{version="20.20.1"} 1` + "\n"
	compareScrape(t, versionScraper{}, cliFake(t, "busy"), want)
	compareScrape(t, versionScraper{}, amiFake(t), want)
}

func TestScrapeChannels(t *testing.T) {
	// The CLI lists the conference announcer pair (CBAnn), which AMI lists leave out.
	compareScrape(t, channelsScraper{}, cliFake(t, "busy"), hdr(t, channelsByState, "gauge")+
		`asterisk_channels{state="Up",technology="CBAnn"} 2
asterisk_channels{state="Up",technology="Local"} 6
asterisk_channels{state="Up",technology="SIP"} 4
`)
	compareScrape(t, channelsScraper{}, amiFake(t), hdr(t, channelsByState, "gauge")+
		`asterisk_channels{state="Up",technology="Local"} 6
asterisk_channels{state="Up",technology="SIP"} 4
`)
}

func TestScrapeTranscoding(t *testing.T) {
	want := hdr(t, channelsByCodec, "gauge") + `asterisk_channels_by_codec{codec="alaw"} 1
asterisk_channels_by_codec{codec="slin"} 6
asterisk_channels_by_codec{codec="ulaw"} 3
` + hdr(t, transcodingChannels, "gauge") + "asterisk_transcoding_channels 4\n" +
		hdr(t, channelTranscoding, "gauge") + `asterisk_channel_transcoding{codec="alaw",direction="write",peer="1032",technology="SIP"} 1
asterisk_channel_transcoding{codec="ulaw",direction="read",peer="1033",technology="SIP"} 1
asterisk_channel_transcoding{codec="ulaw",direction="write",peer="1031",technology="SIP"} 1
asterisk_channel_transcoding{codec="ulaw",direction="write",peer="1033",technology="SIP"} 1
asterisk_channel_transcoding{codec="ulaw",direction="write",peer="1034",technology="SIP"} 1
` + hdr(t, channelNativeCodec, "gauge") + `asterisk_channel_native_codec{codec="alaw",peer="1032",technology="SIP"} 1
asterisk_channel_native_codec{codec="slin",peer="conf@local-originate",technology="Local"} 2
asterisk_channel_native_codec{codec="slin",peer="echo@local-originate",technology="Local"} 2
asterisk_channel_native_codec{codec="slin",peer="mw@local-originate",technology="Local"} 2
asterisk_channel_native_codec{codec="ulaw",peer="1031",technology="SIP"} 1
asterisk_channel_native_codec{codec="ulaw",peer="1033",technology="SIP"} 1
asterisk_channel_native_codec{codec="ulaw",peer="1034",technology="SIP"} 1
` + hdr(t, codecMismatch, "gauge") + `asterisk_codec_mismatch{pair="alaw->ulaw"} 1
asterisk_codec_mismatch{pair="ulaw->alaw"} 1
`
	compareScrape(t, transcodingScraper{}, amiFake(t), want)
	// CLI mode: one `core show channel` per channel of the same real session gives the same translations
	// (the two announcer channels AMI does not list add only slin channels without translation).
	cliWant := hdr(t, transcodingChannels, "gauge") + "asterisk_transcoding_channels 4\n" +
		want[strings.Index(want, "# HELP asterisk_channel_transcoding "):strings.Index(want, "# HELP asterisk_channel_native_codec")] +
		want[strings.Index(want, "# HELP asterisk_codec_mismatch"):] +
		hdr(t, transcodingUnchecked, "gauge") + "asterisk_transcoding_unchecked_channels 0\n"
	compareScrape(t, transcodingScraper{}, cliFake(t, "busy"), cliWant,
		"asterisk_transcoding_channels", "asterisk_channel_transcoding", "asterisk_codec_mismatch", "asterisk_transcoding_unchecked_channels")
}

func TestScrapeSIPPeers(t *testing.T) {
	want := hdr(t, sipPeerUp, "gauge") + `asterisk_sip_peer_up{peer="1031"} 1
asterisk_sip_peer_up{peer="1032"} 1
asterisk_sip_peer_up{peer="1033"} 1
asterisk_sip_peer_up{peer="1034"} 1
asterisk_sip_peer_up{peer="1035"} 0
asterisk_sip_peer_up{peer="1036"} 0
asterisk_sip_peer_up{peer="carrier1"} 1
asterisk_sip_peer_up{peer="carrier2"} 0
` + hdr(t, sipPeerStatus, "gauge") + `asterisk_sip_peer_status{peer="1031",status="OK"} 1
asterisk_sip_peer_status{peer="1032",status="OK"} 1
asterisk_sip_peer_status{peer="1033",status="OK"} 1
asterisk_sip_peer_status{peer="1034",status="OK"} 1
asterisk_sip_peer_status{peer="1035",status="UNKNOWN"} 1
asterisk_sip_peer_status{peer="1036",status="UNKNOWN"} 1
asterisk_sip_peer_status{peer="carrier1",status="OK"} 1
asterisk_sip_peer_status{peer="carrier2",status="UNREACHABLE"} 1
` + hdr(t, sipPeerLatency, "gauge") + `asterisk_sip_peer_latency_seconds{peer="1031"} 0.001
asterisk_sip_peer_latency_seconds{peer="1032"} 0.001
asterisk_sip_peer_latency_seconds{peer="1033"} 0.001
asterisk_sip_peer_latency_seconds{peer="1034"} 0.001
asterisk_sip_peer_latency_seconds{peer="carrier1"} 0.001
`
	compareScrape(t, sipPeersScraper{}, cliFake(t, "busy"), want)
	compareScrape(t, sipPeersScraper{}, amiFake(t), want)
	// chan_sip gone (Asterisk 21+): no data, not a failure.
	f := newFake(true)
	if err := (sipPeersScraper{}).Scrape(context.Background(), f, make(chan prometheus.Metric, 10)); !source.IsNoData(err) {
		t.Errorf("no chan_sip over AMI: %v", err)
	}
	if err := (sipPeersScraper{}).Scrape(context.Background(), newFake(false), make(chan prometheus.Metric, 10)); !source.IsNoData(err) {
		t.Errorf("no chan_sip over the CLI: %v", err)
	}
}

func TestScrapePJSIP(t *testing.T) {
	f := cliFake(t, "pjsip-busy")
	compareScrape(t, pjsipEndpointsScraper{}, f, hdr(t, pjsipEndpointUp, "gauge")+`asterisk_pjsip_endpoint_up{endpoint="2031"} 1
asterisk_pjsip_endpoint_up{endpoint="2032"} 1
asterisk_pjsip_endpoint_up{endpoint="2033"} 0
asterisk_pjsip_endpoint_up{endpoint="pjcarrier1"} 1
asterisk_pjsip_endpoint_up{endpoint="pjcarrier2"} 0
`, "asterisk_pjsip_endpoint_up")
	compareScrape(t, pjsipContactsScraper{}, f, hdr(t, pjsipContactRTT, "gauge")+`asterisk_pjsip_contact_rtt_seconds{aor="2031"} 0.000355
asterisk_pjsip_contact_rtt_seconds{aor="2032"} 0.000432
asterisk_pjsip_contact_rtt_seconds{aor="pjcarrier1"} 0.000496
`, "asterisk_pjsip_contact_rtt_seconds")
	compareScrape(t, pjsipContactsScraper{}, f, hdr(t, pjsipContactsDesc, "gauge")+`asterisk_pjsip_contacts{aor="pjcarrier2",status="Avail"} 0
asterisk_pjsip_contacts{aor="pjcarrier2",status="NonQual"} 0
asterisk_pjsip_contacts{aor="pjcarrier2",status="Unavail"} 1
asterisk_pjsip_contacts{aor="pjcarrier2",status="Unknown"} 0
`+strings.Join(func() []string {
		var out []string
		for _, aor := range []string{"2031", "2032", "pjcarrier1"} {
			for _, st := range []string{"Avail", "NonQual", "Unavail", "Unknown"} {
				v := "0"
				if st == "Avail" {
					v = "1"
				}
				out = append(out, `asterisk_pjsip_contacts{aor="`+aor+`",status="`+st+`"} `+v)
			}
		}
		return out
	}(), "\n")+"\n", "asterisk_pjsip_contacts")
	compareScrape(t, pjsipRegistrationsScraper{}, f, hdr(t, registrationUp, "gauge")+`asterisk_registration_up{registration="pjcarrier1-reg",technology="pjsip"} 1
asterisk_registration_up{registration="pjcarrier2-reg",technology="pjsip"} 0
`+hdr(t, registrationStatus, "gauge")+`asterisk_registration_status{registration="pjcarrier1-reg",status="Registered",technology="pjsip"} 1
asterisk_registration_status{registration="pjcarrier2-reg",status="Rejected",technology="pjsip"} 1
`)
	// AMI mode: PJSIPShowEndpoints and PJSIPShowRegistrationsOutbound; the
	// contacts come from the Command action, or PJSIPShowContacts when the
	// account may not run commands.
	a := newFake(true)
	_, a.lists["PJSIPShowEndpoints"] = amiList(t, "pjsip-busy/10-pjsip-queries.raw", "pjeps-1")
	_, a.lists["PJSIPShowContacts"] = amiList(t, "pjsip-busy/10-pjsip-queries.raw", "pjcontacts-1")
	a.errs["pjsip show contacts"] = &ami.ActionError{Action: "Command", Message: "Permission denied"}
	compareScrape(t, pjsipEndpointsScraper{}, a, hdr(t, pjsipEndpointChannels, "gauge")+`asterisk_pjsip_endpoint_channels{endpoint="2031"} 1
asterisk_pjsip_endpoint_channels{endpoint="2032"} 1
asterisk_pjsip_endpoint_channels{endpoint="2033"} 0
asterisk_pjsip_endpoint_channels{endpoint="pjcarrier1"} 0
asterisk_pjsip_endpoint_channels{endpoint="pjcarrier2"} 0
`, "asterisk_pjsip_endpoint_channels")
	compareScrape(t, pjsipContactsScraper{}, a, hdr(t, pjsipContactRTT, "gauge")+`asterisk_pjsip_contact_rtt_seconds{aor="2031"} 0.000315
asterisk_pjsip_contact_rtt_seconds{aor="2032"} 0.000485
`, "asterisk_pjsip_contact_rtt_seconds")
}

func TestScrapeRegistryConfbridgeSettings(t *testing.T) {
	want := hdr(t, registrationUp, "gauge") + `asterisk_registration_up{registration="deaduser@127.0.0.2:5099",technology="sip"} 0
asterisk_registration_up{registration="trunkuser@127.0.0.1:5070",technology="sip"} 1
` + hdr(t, registrationStatus, "gauge") + `asterisk_registration_status{registration="deaduser@127.0.0.2:5099",status="Request Sent",technology="sip"} 1
asterisk_registration_status{registration="trunkuser@127.0.0.1:5070",status="Registered",technology="sip"} 1
`
	compareScrape(t, sipRegistryScraper{}, cliFake(t, "busy"), want)
	compareScrape(t, sipRegistryScraper{}, amiFake(t), want)
	want = hdr(t, confbridgeCount, "gauge") + "asterisk_confbridge_conferences 1\n" + hdr(t, confbridgeParties, "gauge") + "asterisk_confbridge_participants 2\n"
	compareScrape(t, confbridgeScraper{}, cliFake(t, "busy"), want)
	compareScrape(t, confbridgeScraper{}, amiFake(t), want)
	idle := hdr(t, confbridgeCount, "gauge") + "asterisk_confbridge_conferences 0\n" + hdr(t, confbridgeParties, "gauge") + "asterisk_confbridge_participants 0\n"
	compareScrape(t, confbridgeScraper{}, cliFake(t, "idle"), idle)
	a := newFake(true)
	a.errs["ConfbridgeListRooms"] = &ami.ActionError{Action: "ConfbridgeListRooms", Message: "No active conferences."}
	compareScrape(t, confbridgeScraper{}, a, idle)
	want = hdr(t, sipAllowedCodec, "gauge") + `asterisk_sip_allowed_codec{codec="alaw"} 1
asterisk_sip_allowed_codec{codec="gsm"} 1
asterisk_sip_allowed_codec{codec="ulaw"} 1
`
	compareScrape(t, sipSettingsScraper{}, cliFake(t, "busy"), want)
	compareScrape(t, sipSettingsScraper{}, amiFake(t), want)
}

func TestScrapeRTP(t *testing.T) {
	row := func(peer, rxj, txj string) string {
		return `asterisk_rtp_jitter_seconds{direction="receive",peer="` + peer + `",technology="sip"} ` + rxj + "\n" +
			`asterisk_rtp_jitter_seconds{direction="transmit",peer="` + peer + `",technology="sip"} ` + txj + "\n"
	}
	want := hdr(t, rtpJitter, "gauge") + row("1031", "0.0024", "0.0011") + row("1032", "0.0018", "0.0016") +
		row("1033", "0.0019", "0.0015") + row("1034", "0.0006", "0.0021")
	compareScrape(t, rtpScraper{}, cliFake(t, "busy"), want, "asterisk_rtp_jitter_seconds")
	compareScrape(t, rtpScraper{}, amiFake(t), want, "asterisk_rtp_jitter_seconds")
	compareScrape(t, rtpScraper{}, cliFake(t, "pjsip-busy"), hdr(t, rtpRTT, "gauge")+`asterisk_rtp_rtt_seconds{peer="2031",technology="pjsip"} 0.001
asterisk_rtp_rtt_seconds{peer="2032",technology="pjsip"} 0
`, "asterisk_rtp_rtt_seconds")
	compareScrape(t, rtpScraper{}, cliFake(t, "pjsip-busy"), hdr(t, rtpLoss, "gauge")+`asterisk_rtp_packet_loss_ratio{direction="receive",peer="1031",technology="sip"} 0
asterisk_rtp_packet_loss_ratio{direction="receive",peer="1032",technology="sip"} 0
asterisk_rtp_packet_loss_ratio{direction="receive",peer="2031",technology="pjsip"} 0
asterisk_rtp_packet_loss_ratio{direction="receive",peer="2032",technology="pjsip"} 0
asterisk_rtp_packet_loss_ratio{direction="transmit",peer="1031",technology="sip"} 0
asterisk_rtp_packet_loss_ratio{direction="transmit",peer="1032",technology="sip"} 0
asterisk_rtp_packet_loss_ratio{direction="transmit",peer="2031",technology="pjsip"} 0
asterisk_rtp_packet_loss_ratio{direction="transmit",peer="2032",technology="pjsip"} 0
`, "asterisk_rtp_packet_loss_ratio")
	if err := (rtpScraper{}).Scrape(context.Background(), newFake(false), make(chan prometheus.Metric, 10)); !source.IsNoData(err) {
		t.Errorf("neither channel driver: %v", err)
	}
}

func TestScrapePhoneFleet(t *testing.T) {
	exts, _ := config.ExpandFleet([]string{"1031-1036"})
	want := hdr(t, fleetState, "gauge") + `asterisk_phone_fleet_state{peer="1031"} 2
asterisk_phone_fleet_state{peer="1032"} 2
asterisk_phone_fleet_state{peer="1033"} 2
asterisk_phone_fleet_state{peer="1034"} 2
asterisk_phone_fleet_state{peer="1035"} 0
asterisk_phone_fleet_state{peer="1036"} 0
` + hdr(t, fleetLatency, "gauge") + `asterisk_phone_fleet_latency_seconds{peer="1031"} 0.001
asterisk_phone_fleet_latency_seconds{peer="1032"} 0.001
asterisk_phone_fleet_latency_seconds{peer="1033"} 0.001
asterisk_phone_fleet_latency_seconds{peer="1034"} 0.001
` + hdr(t, fleetRegistered, "gauge") + "asterisk_phone_fleet_registered 4\n" +
		hdr(t, fleetInCall, "gauge") + "asterisk_phone_fleet_incall 4\n" +
		hdr(t, fleetTotal, "gauge") + "asterisk_phone_fleet_phones 6\n"
	compareScrape(t, phoneFleetScraper{exts: exts}, cliFake(t, "busy"), want)
	compareScrape(t, phoneFleetScraper{exts: exts}, amiFake(t), want)
	// Idle: the same phones registered, none in a call.
	compareScrape(t, phoneFleetScraper{exts: exts}, cliFake(t, "idle"), hdr(t, fleetInCall, "gauge")+"asterisk_phone_fleet_incall 0\n"+
		hdr(t, fleetRegistered, "gauge")+"asterisk_phone_fleet_registered 4\n", "asterisk_phone_fleet_incall", "asterisk_phone_fleet_registered")
	// PJSIP phones: 2031 and 2032 in a call, 2033 never registered.
	exts, _ = config.ExpandFleet([]string{"2031-2033"})
	compareScrape(t, phoneFleetScraper{exts: exts}, cliFake(t, "pjsip-busy"), hdr(t, fleetState, "gauge")+`asterisk_phone_fleet_state{peer="2031"} 2
asterisk_phone_fleet_state{peer="2032"} 2
asterisk_phone_fleet_state{peer="2033"} 0
`+hdr(t, fleetLatency, "gauge")+`asterisk_phone_fleet_latency_seconds{peer="2031"} 0.000355
asterisk_phone_fleet_latency_seconds{peer="2032"} 0.000432
`, "asterisk_phone_fleet_state", "asterisk_phone_fleet_latency_seconds")
	if err := (phoneFleetScraper{}).Scrape(context.Background(), cliFake(t, "busy"), make(chan prometheus.Metric, 10)); !source.IsNoData(err) {
		t.Errorf("no ranges: %v", err)
	}
}

// TestMemo: within one scrape, identical requests are sent once.
func TestMemo(t *testing.T) {
	f := amiFake(t)
	api := Memoized(f)
	ctx := WithScrape(context.Background())
	ch := make(chan prometheus.Metric, 1000)
	exts, _ := config.ExpandFleet([]string{"1031-1036"})
	for _, s := range []source.Scraper[API]{sipPeersScraper{}, phoneFleetScraper{exts: exts}, channelsScraper{}} {
		if err := s.Scrape(ctx, api, ch); err != nil && !source.IsNoData(err) {
			t.Fatal(err)
		}
	}
	if f.calls["SIPpeers"] != 1 || f.calls["CoreShowChannels"] != 1 {
		t.Errorf("calls %v", f.calls)
	}
	// A new scrape asks again.
	_ = sipPeersScraper{}.Scrape(WithScrape(context.Background()), api, ch)
	if f.calls["SIPpeers"] != 2 {
		t.Errorf("calls %v", f.calls)
	}
	// Errors are shared too, and a cancelled waiter does not hang.
	f.errs["SIPpeers"] = errors.New("boom")
	ctx = WithScrape(context.Background())
	if _, err := api.List(ctx, "SIPpeers"); err == nil {
		t.Error("error lost")
	}
}

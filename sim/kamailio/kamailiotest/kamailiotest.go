// Package kamailiotest starts the real Debian Kamailio (and rtpengine) for tests, with the configuration in
// testdata/kamailio on loopback and free ports, and speaks a little SIP to it over UDP.
package kamailiotest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/voip-exporter/voip_exporter/binrpc"
)

// ModulesDir is where Debian's kamailio package installs its modules.
const ModulesDir = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"

// Kamailio is one running Kamailio.
type Kamailio struct {
	Dir          string // temp dir: config, ctl socket, pid file
	CtlUnix      string // "unix:/…/kamailio_ctl"
	CtlTCP       string // "tcp:127.0.0.1:port"
	SIPAddr      string // "127.0.0.1:port" (UDP and TCP)
	MetricsURL   string // xhttp_prom
	UASAddr      string // the test UAS that dispatcher set 1 points at
	RTPEngineURL string // "udp:127.0.0.1:port" of the live rtpengine ("" without one)
	TLSAddr      string // "127.0.0.1:port" of the SIP over TLS listener (Options.TLS; "" without)

	cfgPath string
	cmd     *exec.Cmd
	done    chan struct{}
	logs    *syncBuffer
	rtp     *exec.Cmd
	uas     net.PacketConn
	mu      sync.Mutex
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 4<<20 {
		s.b.Reset()
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeTCPUDP returns a port free on 127.0.0.1 for both UDP and TCP.
func freeTCPUDP() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		l.Close()
		if err == nil {
			u.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port")
}

// Start runs Kamailio (and rtpengine when rtpengine is installed) with
// testdata/kamailio/kamailio.cfg.tmpl; testdata is the path to the
// repository's testdata directory. The caller must Stop it. A missing
// kamailio binary is an error that says how to install it.
func Start(testdata string) (*Kamailio, error) { return StartWith(testdata, Options{}) }

// Options add optional parts to the test Kamailio.
type Options struct {
	// TLS loads the tls module (Debian's kamailio-tls-modules) with a self-signed certificate made for
	// the run and listens for SIP over TLS on TLSAddr.
	TLS bool
	// NoRTPEngine leaves rtpengine out (the module's set then points where nothing answers): a second
	// test Kamailio next to one with rtpengine, whose fixed HTTP port a second rtpengine cannot bind.
	NoRTPEngine bool
}

// StartWith is Start with options.
func StartWith(testdata string, o Options) (*Kamailio, error) {
	bin, err := exec.LookPath("kamailio")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/kamailio"); e == nil {
			bin = "/usr/sbin/kamailio"
		} else {
			return nil, fmt.Errorf("kamailio not installed (make test installs Debian's kamailio package: scripts/test-deps.sh): %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "kamailiotest")
	if err != nil {
		return nil, err
	}
	k := &Kamailio{Dir: dir, done: make(chan struct{}), logs: &syncBuffer{}}
	ports := make([]int, 5)
	for i := range ports {
		if ports[i], err = freeTCPUDP(); err != nil {
			k.Stop()
			return nil, err
		}
	}
	uas, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		k.Stop()
		return nil, err
	}
	k.uas = uas
	k.UASAddr = uas.LocalAddr().String()
	go k.serveUAS()
	dead1, dead2 := ports[3], ports[4]
	rtpPort, err := freeTCPUDP()
	if err != nil {
		k.Stop()
		return nil, err
	}
	rtpDead, err := freeTCPUDP()
	if err != nil {
		k.Stop()
		return nil, err
	}
	cliPort, err := freeTCPUDP()
	if err != nil {
		k.Stop()
		return nil, err
	}
	if rtp, err := exec.LookPath("rtpengine"); err == nil && !o.NoRTPEngine {
		k.rtp = exec.Command(rtp, "--table=-1", "--interface=127.0.0.1", fmt.Sprintf("--listen-ng=127.0.0.1:%d", rtpPort),
			fmt.Sprintf("--listen-cli=127.0.0.1:%d", cliPort),
			"--foreground", "--log-stderr", "--port-min=41000", "--port-max=41999")
		k.rtp.Stdout, k.rtp.Stderr = k.logs, k.logs
		k.rtp.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := k.rtp.Start(); err != nil {
			k.Stop()
			return nil, err
		}
		if err := waitNG(rtpPort, 5*time.Second); err != nil {
			k.Stop()
			return nil, fmt.Errorf("rtpengine did not answer: %w\n%s", err, k.logs)
		}
		k.RTPEngineURL = fmt.Sprintf("udp:127.0.0.1:%d", rtpPort)
	}
	vars := map[string]any{
		"SIPPort": ports[0], "HTTPPort": ports[1], "CtlTCPPort": ports[2],
		"ModulesDir": ModulesDir, "CtlSocket": filepath.Join(dir, "kamailio_ctl"),
		"DispatcherList": filepath.Join(dir, "dispatcher.list"),
		"RTPEnginePort":  rtpPort, "RTPEngineDeadPort": rtpDead,
		"UASPort": uas.LocalAddr().(*net.UDPAddr).Port, "DeadPort": dead1, "DeadPort2": dead2,
	}
	if o.TLS {
		port, err := freeTCPUDP()
		if err != nil {
			k.Stop()
			return nil, err
		}
		if _, err := os.Stat(ModulesDir + "tls.so"); err != nil {
			k.Stop()
			return nil, fmt.Errorf("kamailio tls module not installed (make test installs Debian's kamailio-tls-modules): %w", err)
		}
		cfg, err := writeTLSConfig(dir)
		if err != nil {
			k.Stop()
			return nil, err
		}
		vars["TLSPort"], vars["TLSConfig"] = port, cfg
		k.TLSAddr = fmt.Sprintf("127.0.0.1:%d", port)
	}
	for _, f := range []string{"kamailio.cfg", "dispatcher.list"} {
		tpl, err := template.ParseFiles(filepath.Join(testdata, "kamailio", f+".tmpl"))
		if err != nil {
			k.Stop()
			return nil, err
		}
		var b bytes.Buffer
		if err := tpl.Execute(&b, vars); err != nil {
			k.Stop()
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, f), b.Bytes(), 0o644); err != nil {
			k.Stop()
			return nil, err
		}
	}
	k.cfgPath = filepath.Join(dir, "kamailio.cfg")
	k.CtlUnix = "unix:" + vars["CtlSocket"].(string)
	k.CtlTCP = fmt.Sprintf("tcp:127.0.0.1:%d", ports[2])
	k.SIPAddr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	k.MetricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[1])
	k.cmd = exec.Command(bin, "-f", k.cfgPath, "-DD", "-E", "-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"), "-m", "64", "-M", "8")
	k.cmd.Stdout, k.cmd.Stderr = k.logs, k.logs
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := k.cmd.Start(); err != nil {
		k.Stop()
		return nil, err
	}
	go func() { _ = k.cmd.Wait(); close(k.done) }()
	if err := k.WaitReady(20 * time.Second); err != nil {
		k.Stop()
		return nil, err
	}
	return k, nil
}

// waitNG pings rtpengine's ng control port until it answers.
func waitNG(port int, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			_, _ = c.Write([]byte("c1 d7:command4:pinge"))
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			buf := make([]byte, 256)
			n, err := c.Read(buf)
			c.Close()
			if err == nil && strings.Contains(string(buf[:n]), "pong") {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no pong on 127.0.0.1:%d", port)
}

// WaitReady waits until the ctl socket answers core.uptime.
func (k *Kamailio) WaitReady(d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-k.done:
			return fmt.Errorf("kamailio exited:\n%s", k.Logs())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := binrpc.Dial(ctx, k.CtlUnix, binrpc.Options{})
		if err == nil {
			_, err = c.Call(ctx, "core.uptime")
			if err == nil {
				// Kamailio answers ctl before every child has initialised; until then the rtpengine
				// module faults "500 Initializing - try later" (rtpengine.c:2114, !sr_instance_ready()).
				if _, e := c.Call(ctx, "rtpengine.show", "all"); e != nil && strings.Contains(e.Error(), "Initializing") {
					err = e
				}
			}
			c.Close()
		}
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("kamailio ctl did not answer in %s:\n%s", d, k.Logs())
}

// Logs returns what Kamailio (and rtpengine) printed.
func (k *Kamailio) Logs() string { return k.logs.String() }

// Kill stops Kamailio at once (SIGKILL to its process group) and waits.
func (k *Kamailio) Kill() {
	if k.cmd == nil || k.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
	<-k.done
}

// Restart starts Kamailio again with the same configuration and ports
// after Kill, and waits until it answers.
func (k *Kamailio) Restart() error {
	k.done = make(chan struct{})
	cmd := exec.Command(k.cmd.Path, k.cmd.Args[1:]...)
	cmd.Stdout, cmd.Stderr = k.logs, k.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	_ = os.Remove(filepath.Join(k.Dir, "kamailio_ctl"))
	if err := cmd.Start(); err != nil {
		return err
	}
	k.cmd = cmd
	done := k.done
	go func() { _ = cmd.Wait(); close(done) }()
	return k.WaitReady(20 * time.Second)
}

// Stop ends Kamailio and rtpengine and removes the temp dir.
func (k *Kamailio) Stop() {
	if k.cmd != nil && k.cmd.Process != nil {
		_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-k.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
			<-k.done
		}
	}
	if k.rtp != nil && k.rtp.Process != nil {
		_ = k.rtp.Process.Kill()
		_ = k.rtp.Wait()
	}
	if k.uas != nil {
		k.uas.Close()
	}
	_ = os.RemoveAll(k.Dir)
}

// serveUAS answers the requests Kamailio sends to dispatcher set 1's
// target: 200 to OPTIONS (probes) and INVITE, nothing else.
func (k *Kamailio) serveUAS() {
	buf := make([]byte, 8192)
	for {
		n, from, err := k.uas.ReadFrom(buf)
		if err != nil {
			return
		}
		msg := string(buf[:n])
		if !strings.HasPrefix(msg, "OPTIONS ") && !strings.HasPrefix(msg, "INVITE ") {
			continue
		}
		_, _ = k.uas.WriteTo([]byte(Response(msg, 200, "OK", k.UASAddr)), from)
	}
}

// Response builds a SIP response to request (Via, From, To with a tag,
// Call-ID, CSeq copied; Record-Route kept).
func Response(request string, code int, reason, contact string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	head, _, _ := strings.Cut(request, "\r\n\r\n")
	for _, l := range strings.Split(head, "\r\n")[1:] {
		name, _, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "via", "v", "from", "f", "call-id", "i", "cseq", "record-route":
			b.WriteString(l + "\r\n")
		case "to", "t":
			if !strings.Contains(l, "tag=") {
				l += ";tag=uas" + fmt.Sprint(time.Now().UnixNano()%100000)
			}
			b.WriteString(l + "\r\n")
		}
	}
	fmt.Fprintf(&b, "Contact: <sip:uas@%s>\r\nContent-Length: 0\r\n\r\n", contact)
	return b.String()
}

// Request builds a SIP request from a UAC at local to Kamailio.
func Request(method, user, kamailio, local, callID string) string {
	to := "sip:" + user + "@" + kamailio
	if user == "" {
		to = "sip:" + kamailio
	}
	return fmt.Sprintf("%s %s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK%s;rport\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:tester@%s>;tag=f%s\r\n"+
		"To: <%s>\r\n"+
		"Call-ID: %s\r\n"+
		"CSeq: 1 %s\r\n"+
		"Contact: <sip:tester@%s>\r\n"+
		"User-Agent: voip_exporter-test\r\n"+
		"Content-Length: 0\r\n\r\n",
		method, to, local, callID, local, callID, to, callID, method, local)
}

// Send sends one request over UDP from a fresh socket and returns the
// final response's status code (provisional ones skipped).
func (k *Kamailio) Send(t testing.TB, method, user string) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to, _ := net.ResolveUDPAddr("udp", k.SIPAddr)
	id := fmt.Sprintf("t%d", time.Now().UnixNano())
	if _, err := c.WriteTo([]byte(Request(method, user, k.SIPAddr, c.LocalAddr().String(), id)), to); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8192)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_ = c.SetReadDeadline(deadline)
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("%s %s: no final response: %v", method, user, err)
		}
		var code int
		if _, err := fmt.Sscanf(string(buf[:n]), "SIP/2.0 %d", &code); err != nil {
			continue
		}
		if code >= 200 {
			return code
		}
	}
}

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestTLSAndBasicAuth serves through an exporter-toolkit web config file.
func TestTLSAndBasicAuth(t *testing.T) {
	sim := startSim(t, "ClueCon")
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, keyPEM, 0o600)
	hash, err := bcrypt.GenerateFromPassword([]byte("scrape-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := filepath.Join(dir, "web.yml")
	os.WriteFile(webCfg, []byte(fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n", certFile, keyFile, hash)), 0o600)

	e := startExporter(t, fmt.Sprintf("freeswitch:\n  - name: fs1\n    address: %s\n", sim.Addr()), "https", "--web.config.file="+webCfg)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 20 * time.Second}

	if code, _ := httpGet(t, client, e.base+"/metrics", "", ""); code != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", code)
	}
	if code, _ := httpGet(t, client, e.base+"/metrics", "prometheus", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong credentials: %d, want 401", code)
	}
	waitFor(t, 10*time.Second, func() string {
		code, body := httpGet(t, client, e.base+"/metrics", "prometheus", "scrape-pw")
		if code != 200 || sample(body, `freeswitch_up{server="fs1"}`) != "1" {
			return fmt.Sprintf("code %d, up %q", code, sample(body, `freeswitch_up{server="fs1"}`))
		}
		return ""
	})
	// Plain HTTP to a TLS listener must not be served.
	if resp, err := http.Get(strings.Replace(e.base, "https", "http", 1) + "/metrics"); err == nil {
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP was served with TLS configured")
		}
		resp.Body.Close()
	}
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// TestConfigCheck validates files without starting anything.
func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	os.WriteFile(good, []byte("freeswitch:\n  - name: a\n    address: 127.0.0.1:8021\n"), 0o600)
	out, err := exec.Command(binary, "--config.file="+good, "--config.check").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "configuration OK: 1 FreeSWITCH") {
		t.Errorf("good file: %v %s", err, out)
	}
	bad := filepath.Join(dir, "bad.yml")
	os.WriteFile(bad, []byte("freeswitch:\n  - name: a\n    adress: 127.0.0.1:8021\n"), 0o600)
	out, err = exec.Command(binary, "--config.file="+bad, "--config.check").CombinedOutput()
	if err == nil {
		t.Fatalf("bad file accepted: %s", out)
	}
	if !strings.Contains(string(out), bad+":3: unknown key \"adress\"") {
		t.Errorf("bad file error lacks file:line: %s", out)
	}
	// The same file stops a normal start too.
	out, err = exec.Command(binary, "--config.file="+bad, "--web.listen-address=127.0.0.1:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), ":3:") {
		t.Errorf("start with bad file: %v %s", err, out)
	}
}

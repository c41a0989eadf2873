package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestKubernetesManifests: every agent container is probed on /health
// (liveness) and /ready (readiness), runs as non-root and exposes the
// exporter's port.
func TestKubernetesManifests(t *testing.T) {
	files, _ := filepath.Glob("../deploy/k8s/*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests in deploy/k8s")
	}
	containers := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var doc struct {
				Kind string
				Spec struct {
					Template struct {
						Spec struct {
							SecurityContext struct {
								RunAsNonRoot bool `yaml:"runAsNonRoot"`
							} `yaml:"securityContext"`
							Containers []struct {
								Name  string
								Args  []string
								Ports []struct {
									ContainerPort int `yaml:"containerPort"`
								}
								Liveness  probe `yaml:"livenessProbe"`
								Readiness probe `yaml:"readinessProbe"`
							}
						}
					}
				}
			}
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if doc.Kind != "Deployment" && doc.Kind != "StatefulSet" {
				continue
			}
			if !doc.Spec.Template.Spec.SecurityContext.RunAsNonRoot {
				t.Errorf("%s: %s does not require a non-root user", file, doc.Kind)
			}
			for _, c := range doc.Spec.Template.Spec.Containers {
				if !strings.Contains(c.Name, "voip-exporter") {
					continue
				}
				containers++
				if c.Liveness.HTTPGet.Path != "/health" || c.Readiness.HTTPGet.Path != "/ready" {
					t.Errorf("%s: container %s probes %q/%q, want /health and /ready", file, c.Name, c.Liveness.HTTPGet.Path, c.Readiness.HTTPGet.Path)
				}
				if len(c.Ports) == 0 || c.Ports[0].ContainerPort != 19060 {
					t.Errorf("%s: container %s does not expose 19060", file, c.Name)
				}
			}
		}
	}
	if containers == 0 {
		t.Error("no voip-exporter container found")
	}
}

type probe struct {
	HTTPGet struct{ Path string } `yaml:"httpGet"`
}

// TestComposeStack: the stack holds the exporter, Redis, an OpenTelemetry
// Collector, Prometheus and Grafana, and every file it mounts exists.
func TestComposeStack(t *testing.T) {
	raw, err := os.ReadFile("../deploy/docker/docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Image   string
			Volumes []string
		}
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	var images []string
	for name, s := range c.Services {
		images = append(images, name+" "+s.Image)
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, ".") {
				if _, err := os.Stat(filepath.Join("../deploy/docker", src)); err != nil {
					t.Errorf("service %s mounts %s: %v", name, src, err)
				}
			}
		}
	}
	all := strings.Join(images, "\n")
	for _, want := range []string{"voip_exporter", "redis", "otel", "prometheus", "grafana"} {
		if !strings.Contains(all, want) {
			t.Errorf("compose stack lacks %s:\n%s", want, all)
		}
	}
}

// TestSystemdUnitHardening: the unit keeps its hardening and restart policy.
func TestSystemdUnitHardening(t *testing.T) {
	raw, err := os.ReadFile("../deploy/systemd/voip_exporter.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
		"Restart=on-failure", "LimitNOFILE=", "CapabilityBoundingSet=\n", "StateDirectory=voip_exporter"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("voip_exporter.service lacks %q", want)
		}
	}
	df, err := os.ReadFile("../deploy/docker/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(df), "USER 65534") || !strings.Contains(string(df), "FROM scratch") {
		t.Error("Dockerfile: want a scratch image running as a non-root user")
	}
}

package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/voip-exporter/voip_exporter/config"
)

// TestHADeployments: the Kubernetes manifest runs two agents whose configuration (parsed by the
// exporter's own loader) has ha.enabled, Redis storage at the manifest's Redis Service and a per-pod
// agent_id; the compose file's ha profile runs two agents with distinct agent ids on the stack's Redis.
func TestHADeployments(t *testing.T) {
	raw, err := os.ReadFile("../deploy/k8s/voip-exporter.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfgText string
	replicas, podName, pdb, spread := 0, false, false, false
	services := map[string]int{} // Service name → port
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var doc struct {
			Kind     string
			Metadata struct{ Name string }
			Data     map[string]string
			Spec     struct {
				Replicas     int
				MinAvailable int `yaml:"minAvailable"`
				Selector     struct {
					MatchLabels map[string]string `yaml:"matchLabels"`
				}
				Ports    []struct{ Port int }
				Template struct {
					Spec struct {
						Affinity struct {
							PodAntiAffinity struct {
								Preferred []struct {
									PodAffinityTerm struct {
										TopologyKey string `yaml:"topologyKey"`
									} `yaml:"podAffinityTerm"`
								} `yaml:"preferredDuringSchedulingIgnoredDuringExecution"`
							} `yaml:"podAntiAffinity"`
						}
						Containers []struct {
							Name string
							Env  []struct {
								Name      string
								ValueFrom struct {
									FieldRef struct {
										FieldPath string `yaml:"fieldPath"`
									} `yaml:"fieldRef"`
								} `yaml:"valueFrom"`
							}
						}
					}
				}
			}
		}
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		switch doc.Kind {
		case "ConfigMap":
			cfgText = doc.Data["voip_exporter.yml"]
		case "Service":
			if len(doc.Spec.Ports) > 0 {
				services[doc.Metadata.Name] = doc.Spec.Ports[0].Port
			}
		case "PodDisruptionBudget":
			if doc.Spec.Selector.MatchLabels["app"] == "voip-exporter" && doc.Spec.MinAvailable >= 1 {
				pdb = true
			}
		case "Deployment":
			for _, c := range doc.Spec.Template.Spec.Containers {
				if c.Name != "voip-exporter" {
					continue
				}
				for _, p := range doc.Spec.Template.Spec.Affinity.PodAntiAffinity.Preferred {
					spread = spread || p.PodAffinityTerm.TopologyKey == "kubernetes.io/hostname"
				}
				replicas = doc.Spec.Replicas
				for _, e := range c.Env {
					if e.Name == "POD_NAME" && e.ValueFrom.FieldRef.FieldPath == "metadata.name" {
						podName = true
					}
				}
			}
		}
	}
	env := map[string]string{"POD_NAME": "voip-exporter-7d9f-abcde", "FS_ESL_PASSWORD": "x"}
	cfg, err := config.Parse("configmap", []byte(cfgText), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("the ConfigMap's configuration: %v", err)
	}
	if !cfg.HA.Enabled || cfg.HA.AgentID != env["POD_NAME"] || cfg.Storage.Type != "redis" {
		t.Errorf("k8s: ha %+v, storage %q: want ha.enabled, agent_id from POD_NAME, redis storage", cfg.HA, cfg.Storage.Type)
	}
	host, port, _ := strings.Cut(cfg.Storage.Redis.Address, ":")
	if p, ok := services[host]; !ok || port != "6379" || p != 6379 {
		t.Errorf("k8s: Redis address %q is not a Service of the manifest (%v)", cfg.Storage.Redis.Address, services)
	}
	if !pdb || !spread {
		t.Errorf("k8s: PodDisruptionBudget keeping an agent up %v, agents spread over nodes %v", pdb, spread)
	}
	if replicas < 2 || !podName {
		t.Errorf("k8s: %d replicas, POD_NAME from the downward API %v: want two agents with distinct ids", replicas, podName)
	}

	raw, err = os.ReadFile("../deploy/docker/docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Profiles    []string
			Environment map[string]string
		}
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for name, s := range c.Services {
		if len(s.Profiles) == 0 || s.Profiles[0] != "ha" {
			continue
		}
		lookup := func(k string) (string, bool) {
			v, ok := s.Environment[k]
			if k == "VOIP_EXPORTER_FREESWITCH" {
				return `[{"name":"fs1","address":"10.0.0.1:8021"}]`, true // what the operator passes
			}
			return v, ok
		}
		cfg, err := config.Parse("compose", nil, lookup)
		if err != nil {
			t.Fatalf("compose %s: %v", name, err)
		}
		if !cfg.HA.Enabled || cfg.Storage.Type != "redis" || !strings.HasPrefix(cfg.Storage.Redis.Address, "redis:") {
			t.Errorf("compose %s: ha %+v, storage %+v", name, cfg.HA, cfg.Storage)
		}
		ids[cfg.HA.AgentID] = true
	}
	if len(ids) < 2 {
		t.Errorf("compose ha profile: agent ids %v, want two distinct agents", ids)
	}
}

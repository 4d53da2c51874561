package scaleout

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/veille-oss/veille/pkg/platform/config"
	"github.com/veille-oss/veille/pkg/tooling/testenv"
)

// The parts of the Kubernetes objects the test checks.
type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas *int `yaml:"replicas"`
		Type     string
		Selector yaml.Node `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
	Resources []string `yaml:"resources"`
}

type podSpec struct {
	Containers []struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom struct {
				SecretKeyRef struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		LivenessProbe  probe `yaml:"livenessProbe"`
		ReadinessProbe probe `yaml:"readinessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []struct {
		Name      string `yaml:"name"`
		ConfigMap struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
	} `yaml:"volumes"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port int    `yaml:"port"`
	} `yaml:"httpGet"`
}

// veilleServices are the names `veille run --services` accepts for a Deployment.
var veilleServices = []string{"enricher", "sink", "alerter", "crawler", "rss", "forum", "console"}

func readK8s(t *testing.T) (map[string][]k8sObject, []string) {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "deploy", "k8s")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/k8s: %v", err)
	}
	byKind := map[string][]k8sObject{}
	var names []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(false)
		for i := 0; ; i++ {
			var o k8sObject
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s document %d: %v", filepath.Base(f), i+1, err)
			}
			if o.Kind == "" {
				t.Fatalf("%s document %d has no kind", filepath.Base(f), i+1)
			}
			byKind[o.Kind] = append(byKind[o.Kind], o)
		}
		names = append(names, filepath.Base(f))
	}
	return byKind, names
}

func matchLabels(t *testing.T, n yaml.Node) map[string]string {
	t.Helper()
	var s struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	if err := n.Decode(&s); err != nil || len(s.MatchLabels) == 0 {
		// A Service selector is the labels themselves.
		var plain map[string]string
		if err := n.Decode(&plain); err != nil {
			t.Fatalf("selector: %v", err)
		}
		return plain
	}
	return s.MatchLabels
}

func subset(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestK8sManifests(t *testing.T) {
	objs, files := readK8s(t)

	// Kustomization lists every manifest.
	if k := objs["Kustomization"]; len(k) != 1 {
		t.Errorf("want one kustomization.yaml, have %d", len(k))
	} else {
		for _, f := range files {
			if f != "kustomization.yaml" && !slices.Contains(k[0].Resources, f) {
				t.Errorf("kustomization.yaml does not list %s", f)
			}
		}
	}

	// The ConfigMap holds a veille.yaml that loads, listens for probes off loopback.
	cms := objs["ConfigMap"]
	if len(cms) != 1 || cms[0].Data["veille.yaml"] == "" {
		t.Fatalf("want one ConfigMap with veille.yaml, have %d", len(cms))
	}
	cfg, err := config.Parse([]byte(cms[0].Data["veille.yaml"]), "configmap veille.yaml", func(string) string { return "" })
	if err != nil {
		t.Fatalf("the ConfigMap's veille.yaml does not load: %v", err)
	}
	host, portS, err := net.SplitHostPort(cfg.Metrics.Listen)
	metricsPort, _ := strconv.Atoi(portS)
	if err != nil || host == "127.0.0.1" || host == "localhost" || metricsPort == 0 {
		t.Errorf("metrics.listen %q: the kubelet probes the pod IP, it must not be loopback", cfg.Metrics.Listen)
	}
	if cfg.ClickHouse.Password != "" || cfg.Console.Token != "" {
		t.Error("secrets in the ConfigMap: they belong in the Secret")
	}
	secrets := map[string]map[string]string{}
	for _, s := range objs["Secret"] {
		secrets[s.Metadata.Name] = s.StringData
	}

	deploys := objs["Deployment"]
	seen := map[string]bool{}
	var consoleLabels map[string]string
	consolePorts := map[string]bool{}
	for _, d := range deploys {
		name := d.Metadata.Name
		tpl := d.Spec.Template
		sel := matchLabels(t, d.Spec.Selector)
		if !subset(sel, tpl.Metadata.Labels) {
			t.Errorf("%s: selector %v does not match its pod labels %v", name, sel, tpl.Metadata.Labels)
		}
		comp := tpl.Metadata.Labels["app.kubernetes.io/component"]
		if len(tpl.Spec.Containers) != 1 {
			t.Errorf("%s: want one container", name)
			continue
		}
		c := tpl.Spec.Containers[0]
		args := strings.Join(c.Args, " ")
		if !strings.HasPrefix(args, "run --config /etc/veille/veille.yaml --services ") {
			t.Errorf("%s: args %q, want run --config /etc/veille/veille.yaml --services X", name, args)
		}
		svc := c.Args[len(c.Args)-1]
		if !slices.Contains(veilleServices, svc) || svc != comp || seen[svc] {
			t.Errorf("%s: runs service %q with component label %q (want a known, unique service matching the label)", name, svc, comp)
		}
		seen[svc] = true
		for _, p := range []struct {
			what string
			pr   probe
			path string
		}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
			if p.pr.HTTPGet.Path != p.path || p.pr.HTTPGet.Port != metricsPort {
				t.Errorf("%s: %s probe %s:%d, want %s on the metrics port %d", name, p.what, p.pr.HTTPGet.Path, p.pr.HTTPGet.Port, p.path, metricsPort)
			}
		}
		if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
			t.Errorf("%s: resources %+v: want cpu and memory requests and a memory limit", name, c.Resources)
		}
		for _, e := range c.Env {
			if r := e.ValueFrom.SecretKeyRef; r.Name != "" {
				if _, ok := secrets[r.Name][r.Key]; !ok {
					t.Errorf("%s: env %s refers to secret %s key %s, which the Secret does not have", name, e.Name, r.Name, r.Key)
				}
			}
		}
		mounted := false
		for _, v := range tpl.Spec.Volumes {
			if v.ConfigMap.Name == cms[0].Metadata.Name {
				for _, m := range c.VolumeMounts {
					mounted = mounted || (m.Name == v.Name && m.MountPath == "/etc/veille")
				}
			}
		}
		if !mounted {
			t.Errorf("%s: the ConfigMap %s is not mounted at /etc/veille", name, cms[0].Metadata.Name)
		}
		if svc == "console" {
			consoleLabels = tpl.Metadata.Labels
			for _, p := range c.Ports {
				consolePorts[p.Name] = true
			}
		}
	}
	for _, s := range veilleServices {
		if !seen[s] {
			t.Errorf("no Deployment runs %s", s)
		}
	}

	// The console Service is ClusterIP and selects the console pods only.
	var found bool
	for _, s := range objs["Service"] {
		if s.Metadata.Name != "veille-console" {
			continue
		}
		found = true
		if s.Spec.Type != "ClusterIP" {
			t.Errorf("veille-console: type %q, want ClusterIP", s.Spec.Type)
		}
		sel := matchLabels(t, s.Spec.Selector)
		if !subset(sel, consoleLabels) {
			t.Errorf("veille-console: selector %v does not select the console pods %v", sel, consoleLabels)
		}
		for _, d := range deploys {
			if d.Metadata.Name != "veille-console" && subset(sel, d.Spec.Template.Metadata.Labels) {
				t.Errorf("veille-console also selects %s", d.Metadata.Name)
			}
		}
		for _, p := range s.Spec.Ports {
			if !consolePorts[p.TargetPort] {
				t.Errorf("veille-console: targetPort %q is not a console container port", p.TargetPort)
			}
		}
	}
	if !found {
		t.Error("no Service veille-console")
	}
}

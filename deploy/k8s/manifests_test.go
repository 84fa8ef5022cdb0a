// Package k8s_test checks the kustomize base against the job's configuration
// contract: every variable the manifests set is one the job reads, the
// ConfigMap's values are accepted by the job, and the CronJobs keep the
// settings a batch job needs (no overlap, deadlines, a podFailurePolicy
// that acts on the job's exit codes, non-root, read-only root filesystem,
// resources, a report that is uploaded). "kubectl kustomize deploy/k8s" checks the
// rest where kubectl is installed.
package k8s_test

import (
	"bytes"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sparkify/warehouse/deploy/k8s"
	"github.com/sparkify/warehouse/internal/cli"
	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/warehouse"
)

type kustomization struct {
	Resources []string `yaml:"resources"`
}

type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`       // ConfigMap
	StringData map[string]string `yaml:"stringData"` // Secret
	Spec       struct {          // CronJob
		Schedule          string `yaml:"schedule"`
		ConcurrencyPolicy string `yaml:"concurrencyPolicy"`
		JobTemplate       struct {
			Spec struct {
				BackoffLimit          *int                  `yaml:"backoffLimit"`
				ActiveDeadlineSeconds *int                  `yaml:"activeDeadlineSeconds"`
				PodFailurePolicy      *k8s.PodFailurePolicy `yaml:"podFailurePolicy"`
				Template              struct {
					Spec podSpec `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

type podSpec struct {
	ServiceAccountName string `yaml:"serviceAccountName"`
	RestartPolicy      string `yaml:"restartPolicy"`
	SecurityContext    struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
	} `yaml:"securityContext"`
	Containers []struct {
		Name    string   `yaml:"name"`
		Image   string   `yaml:"image"`
		Args    []string `yaml:"args"`
		EnvFrom []struct {
			ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
			SecretRef    *struct{ Name string } `yaml:"secretRef"`
		} `yaml:"envFrom"`
		Env []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom *struct {
				ConfigMapKeyRef *struct {
					Name     string `yaml:"name"`
					Key      string `yaml:"key"`
					Optional *bool  `yaml:"optional"`
				} `yaml:"configMapKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Resources struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	} `yaml:"containers"`
	Volumes []struct {
		Name     string    `yaml:"name"`
		EmptyDir *struct{} `yaml:"emptyDir"`
	} `yaml:"volumes"`
}

// manifests reads every YAML file of the directory but kustomization.yaml,
// by file name.
func manifests(t *testing.T) map[string]object {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]object{}
	for _, f := range files {
		if f == "kustomization.yaml" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var o object
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(false)
		if err := dec.Decode(&o); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if o.Metadata.Namespace != "" {
			t.Errorf("%s: sets namespace %q; the base is namespace-agnostic", f, o.Metadata.Namespace)
		}
		out[f] = o
	}
	return out
}

// jobVariables returns the variables that "job -help" lists.
func jobVariables(t *testing.T) map[string]bool {
	t.Helper()
	var b bytes.Buffer
	if err := config.Usage(&b); err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(`+config.Prefix+`_[A-Z0-9_]+)\s*$`).FindAllStringSubmatch(b.String(), -1) {
		vars[m[1]] = true
	}
	if len(vars) == 0 {
		t.Fatal("config.Usage lists no variables")
	}
	return vars
}

func known(vars map[string]bool, name string) bool {
	return vars[name] || strings.HasPrefix(name, "AWS_")
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	b, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	for f := range manifests(t) {
		listed := slices.Contains(k.Resources, f)
		// The Secret is a template that applying the base must never apply.
		if want := f != "secret.yaml"; listed != want {
			t.Errorf("%s: listed in kustomization.yaml = %v, want %v", f, listed, want)
		}
	}
	for _, r := range k.Resources {
		if _, err := os.Stat(r); err != nil {
			t.Errorf("kustomization.yaml: resource %s: %v", r, err)
		}
	}
}

func TestConfigurationMatchesTheJob(t *testing.T) {
	vars := jobVariables(t)
	m := manifests(t)
	cm, secret := m["configmap.yaml"], m["secret.yaml"]
	if cm.Kind != "ConfigMap" || secret.Kind != "Secret" {
		t.Fatalf("configmap.yaml is a %q, secret.yaml a %q", cm.Kind, secret.Kind)
	}
	for k := range cm.Data {
		if !known(vars, k) {
			t.Errorf("ConfigMap sets %s, which the job does not read", k)
		}
	}
	if _, ok := cm.Data["SPARKIFY_DATABASE_URL"]; ok {
		t.Error("ConfigMap holds SPARKIFY_DATABASE_URL, a secret")
	}
	if got := slices.Sorted(maps.Keys(secret.StringData)); !slices.Equal(got, []string{"SPARKIFY_DATABASE_URL"}) {
		t.Errorf("Secret keys = %v, want [SPARKIFY_DATABASE_URL]", got)
	}

	// The job accepts the deployed configuration as it stands.
	env := map[string]string{}
	for k, v := range cm.Data {
		env[k] = v
	}
	for k, v := range secret.StringData {
		env[k] = v
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatalf("config.Load with the ConfigMap and the Secret: %v", err)
	}
	if err := cfg.RequireDatabase(); err != nil {
		t.Fatalf("the Secret's SPARKIFY_DATABASE_URL: %v", err)
	}
	if cfg.Target != warehouse.Redshift {
		t.Errorf("target = %q, want %q", cfg.Target, warehouse.Redshift)
	}
	// Without a staging location every Redshift load is a full reload.
	if cfg.StagingURI.IsZero() {
		t.Error("the ConfigMap sets no SPARKIFY_STAGING_URI: every Redshift load would be a full reload")
	}
	// The server is verified: sslmode verify-full (the job's default when
	// the URL names none), never require, prefer or disable.
	if u, err := url.Parse(cfg.DatabaseURL); err != nil {
		t.Error(err)
	} else if mode := u.Query().Get("sslmode"); mode != "" && mode != "verify-full" {
		t.Errorf("the Secret's SPARKIFY_DATABASE_URL has sslmode=%s, which does not verify the server; want verify-full", mode)
	}
}

func TestCronJobs(t *testing.T) {
	vars := jobVariables(t)
	m := manifests(t)
	cm := m["configmap.yaml"]
	sa := m["serviceaccount.yaml"]
	if sa.Kind != "ServiceAccount" || sa.Metadata.Annotations["eks.amazonaws.com/role-arn"] == "" {
		t.Errorf("serviceaccount.yaml: want a ServiceAccount annotated with eks.amazonaws.com/role-arn")
	}
	for _, tt := range []struct {
		file, name, phase string
	}{
		{"cronjob-load.yaml", "sparkify-load", "load"},
		{"cronjob-report.yaml", "sparkify-report", "report"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cj := m[tt.file]
			if cj.Kind != "CronJob" || cj.Metadata.Name != tt.name {
				t.Fatalf("%s: %s %q, want CronJob %q", tt.file, cj.Kind, cj.Metadata.Name, tt.name)
			}
			js := cj.Spec.JobTemplate.Spec
			pod := js.Template.Spec
			check := func(ok bool, what string) {
				t.Helper()
				if !ok {
					t.Errorf("%s: %s", tt.file, what)
				}
			}
			check(cj.Spec.Schedule != "", "no schedule")
			check(cj.Spec.ConcurrencyPolicy == "Forbid", "concurrencyPolicy is not Forbid")
			check(js.BackoffLimit != nil, "no backoffLimit")
			check(js.ActiveDeadlineSeconds != nil && *js.ActiveDeadlineSeconds > 0, "no activeDeadlineSeconds")
			// podFailurePolicy requires restartPolicy Never.
			check(pod.RestartPolicy == "Never", "restartPolicy is not Never")
			check(pod.ServiceAccountName == sa.Metadata.Name, "does not run as the ServiceAccount "+sa.Metadata.Name)
			check(pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot, "runAsNonRoot is not true")
			if len(pod.Containers) != 1 {
				t.Fatalf("%s: %d containers, want 1", tt.file, len(pod.Containers))
			}
			c := pod.Containers[0]
			check(slices.Equal(c.Args, []string{"-phase", tt.phase}), "args are not -phase "+tt.phase)
			if pfp := js.PodFailurePolicy; pfp == nil {
				t.Errorf("%s: no podFailurePolicy", tt.file)
			} else {
				checkPodFailurePolicy(t, tt.file, *pfp, c.Name)
			}
			check(strings.HasPrefix(c.Image, "sparkify/job"), "image is not sparkify/job")
			check(c.SecurityContext.ReadOnlyRootFilesystem != nil && *c.SecurityContext.ReadOnlyRootFilesystem, "readOnlyRootFilesystem is not true")
			check(c.SecurityContext.AllowPrivilegeEscalation != nil && !*c.SecurityContext.AllowPrivilegeEscalation, "allowPrivilegeEscalation is not false")
			for _, r := range []string{"cpu", "memory"} {
				check(c.Resources.Requests[r] != "" && c.Resources.Limits[r] != "", "no "+r+" request and limit")
			}
			var fromCM, fromSecret bool
			for _, ef := range c.EnvFrom {
				fromCM = fromCM || (ef.ConfigMapRef != nil && ef.ConfigMapRef.Name == cm.Metadata.Name)
				fromSecret = fromSecret || (ef.SecretRef != nil && ef.SecretRef.Name == m["secret.yaml"].Metadata.Name)
			}
			check(fromCM && fromSecret, "does not take its environment from the ConfigMap and the Secret")
			logJSON := false
			for _, e := range c.Env {
				check(known(vars, e.Name), "sets "+e.Name+", which the job does not read")
				logJSON = logJSON || (e.Name == "SPARKIFY_LOG_FORMAT" && e.Value == "json")
				if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
					ref := e.ValueFrom.ConfigMapKeyRef
					_, ok := cm.Data[ref.Key]
					check(ref.Name == cm.Metadata.Name && ok, e.Name+" refers to a missing ConfigMap key "+ref.Key)
				}
			}
			check(logJSON, "SPARKIFY_LOG_FORMAT is not json")
			if tt.phase == "report" {
				dir := cm.Data["SPARKIFY_REPORT_DIR"]
				mounted := false
				for _, vm := range c.VolumeMounts {
					for _, v := range pod.Volumes {
						mounted = mounted || (vm.MountPath == dir && vm.Name == v.Name && v.EmptyDir != nil)
					}
				}
				check(mounted, "no emptyDir mounted at SPARKIFY_REPORT_DIR "+dir)
				// The emptyDir disappears with the pod: the upload is the
				// report's only copy, so the URI is required.
				check(strings.HasPrefix(cm.Data["SPARKIFY_REPORT_URI"], "s3://"), "the ConfigMap's SPARKIFY_REPORT_URI is not an s3:// URI")
				required := false
				for _, e := range c.Env {
					if e.Name == "SPARKIFY_REPORT_URI" && e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
						ref := e.ValueFrom.ConfigMapKeyRef
						required = ref.Key == e.Name && (ref.Optional == nil || !*ref.Optional)
					}
				}
				check(required, "SPARKIFY_REPORT_URI is not required (a configMapKeyRef that is not optional)")
			}
		})
	}
}

// checkPodFailurePolicy checks what the Job controller does with each exit
// code the job documents (cli.ExitCodes), evaluating the rules in order as
// Kubernetes does (the first rule that matches wins): each code has a rule
// of its own, a failure that a retry repeats fails the Job, one that a
// retry may cure is retried, and a pod evicted or preempted
// (DisruptionTarget) is started again without using up a retry whatever
// its exit code: a drain SIGTERMs the job, which exits with
// cli.ExitInterrupted (or 1 on versions before it had one).
func checkPodFailurePolicy(t *testing.T, file string, pfp k8s.PodFailurePolicy, container string) {
	t.Helper()
	want := map[int]string{
		cli.ExitFailed:      "FailJob", // a failed run fails the same way again
		cli.ExitUsage:       "FailJob", // a configuration error: at once
		cli.ExitTransient:   "Count",   // retried within backoffLimit
		cli.ExitInterrupted: "Count",   // stopped (not by an eviction): retried
	}
	for _, c := range cli.ExitCodes {
		if c.Code == cli.ExitOK {
			continue
		}
		w, ok := want[c.Code]
		if !ok {
			t.Errorf("%s: exit code %d (%s) is documented but this test does not say what the Job should do with it", file, c.Code, c.Meaning)
			continue
		}
		if got, matched := pfp.Action(container, c.Code); got != w || !matched {
			t.Errorf("%s: exit %d (%s): %s (a rule of its own: %v), want %s by a rule", file, c.Code, c.Meaning, got, matched, w)
		}
		if got, _ := pfp.Action(container, c.Code, "DisruptionTarget"); got != "Ignore" {
			t.Errorf("%s: exit %d of an evicted pod (DisruptionTarget): %s, want Ignore (the DisruptionTarget rule must come before the FailJob rules)", file, c.Code, got)
		}
	}
	ignore, firstFail := -1, -1
	for i, r := range pfp.Rules {
		if r.Action == "Ignore" && len(r.OnPodConditions) == 1 && r.OnPodConditions[0].Type == "DisruptionTarget" && ignore < 0 {
			ignore = i
		}
		if r.Action == "FailJob" && firstFail < 0 {
			firstFail = i
		}
	}
	if ignore < 0 || (firstFail >= 0 && ignore > firstFail) {
		t.Errorf("%s: the Ignore rule for DisruptionTarget is rule %d and the first FailJob rule %d: the Ignore rule must exist and come first", file, ignore, firstFail)
	}
}

// TestPodFailurePolicyOrder: the Job controller applies the first rule that
// matches, so an Ignore rule for evictions placed after a FailJob rule
// never applies to the codes that rule lists.
func TestPodFailurePolicyOrder(t *testing.T) {
	var p k8s.PodFailurePolicy
	err := yaml.Unmarshal([]byte(`
rules:
  - action: FailJob
    onExitCodes: {containerName: job, operator: In, values: [1, 2]}
  - action: Ignore
    onPodConditions: [{type: DisruptionTarget}]
  - action: Count
    onExitCodes: {operator: NotIn, values: [1, 2]}
`), &p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		code       int
		conditions []string
		want       string
	}{
		{1, []string{"DisruptionTarget"}, "FailJob"},
		{75, []string{"DisruptionTarget"}, "Ignore"},
		{75, nil, "Count"},
		{1, nil, "FailJob"},
	} {
		if got, _ := p.Action("job", tt.code, tt.conditions...); got != tt.want {
			t.Errorf("exit %d with %v: %s, want %s", tt.code, tt.conditions, got, tt.want)
		}
	}
	if got, matched := p.Action("other", 1); got != "Count" || matched {
		t.Errorf("another container's exit 1: %s (matched %v), want Count by default", got, matched)
	}
}

// Package k8s holds the job's kustomize base (the YAML files of this
// folder) and reads the CronJobs' podFailurePolicy, so that tests can check
// what the Job controller does with each of the job's exit codes.
package k8s

import (
	"fmt"
	"os"
	"slices"

	"go.yaml.in/yaml/v3"
)

// PodFailurePolicy is a Job's spec.podFailurePolicy.
type PodFailurePolicy struct {
	Rules []PodFailurePolicyRule `yaml:"rules"`
}

// PodFailurePolicyRule is one rule: an action for the exit codes or the pod
// conditions it names.
type PodFailurePolicyRule struct {
	Action      string `yaml:"action"`
	OnExitCodes *struct {
		ContainerName string `yaml:"containerName"`
		Operator      string `yaml:"operator"`
		Values        []int  `yaml:"values"`
	} `yaml:"onExitCodes"`
	OnPodConditions []struct {
		Type   string `yaml:"type"`
		Status string `yaml:"status"`
	} `yaml:"onPodConditions"`
}

// Action returns what the Job controller does when a pod fails with its
// container exiting with code and with the given pod conditions (True):
// the action of the first rule that matches, in order, as Kubernetes
// evaluates a podFailurePolicy, or Count when none does. matched reports
// whether a rule matched.
func (p PodFailurePolicy) Action(container string, code int, conditions ...string) (action string, matched bool) {
	for _, r := range p.Rules {
		if e := r.OnExitCodes; e != nil {
			if e.ContainerName != "" && e.ContainerName != container {
				continue
			}
			in := slices.Contains(e.Values, code)
			if (e.Operator == "In" && in) || (e.Operator == "NotIn" && !in && code != 0) {
				return r.Action, true
			}
			continue
		}
		for _, c := range r.OnPodConditions {
			if (c.Status == "" || c.Status == "True") && slices.Contains(conditions, c.Type) {
				return r.Action, true
			}
		}
	}
	return "Count", false
}

// CronJobPolicy reads a CronJob manifest and returns its Job's
// podFailurePolicy and the name of its (only) container.
func CronJobPolicy(file string) (policy PodFailurePolicy, container string, err error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return policy, "", err
	}
	var cj struct {
		Kind string `yaml:"kind"`
		Spec struct {
			JobTemplate struct {
				Spec struct {
					PodFailurePolicy *PodFailurePolicy `yaml:"podFailurePolicy"`
					Template         struct {
						Spec struct {
							Containers []struct {
								Name string `yaml:"name"`
							} `yaml:"containers"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &cj); err != nil {
		return policy, "", fmt.Errorf("%s: %w", file, err)
	}
	js := cj.Spec.JobTemplate.Spec
	if cj.Kind != "CronJob" || js.PodFailurePolicy == nil || len(js.Template.Spec.Containers) != 1 {
		return policy, "", fmt.Errorf("%s: not a CronJob with a podFailurePolicy and one container", file)
	}
	return *js.PodFailurePolicy, js.Template.Spec.Containers[0].Name, nil
}

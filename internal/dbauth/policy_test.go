package dbauth

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"
)

// runtimePolicyFile is the IAM policy the job's runtime identity (the
// CronJobs' role, with IRSA) needs for SPARKIFY_REDSHIFT_AUTH=iam and the
// COPY region check.
const runtimePolicyFile = "../../deploy/iam/runtime-iam-auth.json"

type statement struct {
	Sid      string
	Effect   string
	Action   any
	Resource any
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, s := range v {
			out = append(out, s.(string))
		}
		return out
	}
	return nil
}

func TestRuntimePolicyAllowsWhatTheJobCalls(t *testing.T) {
	b, err := os.ReadFile(runtimePolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Version   string
		Statement []statement
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s: %v", runtimePolicyFile, err)
	}
	if p.Version != "2012-10-17" {
		t.Errorf("Version = %q, want 2012-10-17", p.Version)
	}
	// The resource each action takes (Redshift's dbname resource for
	// GetClusterCredentialsWithIAM with a DbName, the workgroup for
	// GetCredentials, the bucket for GetBucketLocation).
	want := map[string]*regexp.Regexp{
		Endpoint{}.Action():                 regexp.MustCompile(`^arn:aws:redshift:REGION:ACCOUNT:dbname:[a-z0-9-]+/[a-z0-9_]+$`),
		Endpoint{Serverless: true}.Action(): regexp.MustCompile(`^arn:aws:redshift-serverless:REGION:ACCOUNT:workgroup/WORKGROUP_ID$`),
		"s3:GetBucketLocation":              regexp.MustCompile(`^arn:aws:s3:::[A-Z_]+$`),
	}
	for action, res := range want {
		t.Run(action, func(t *testing.T) {
			i := slices.IndexFunc(p.Statement, func(s statement) bool { return slices.Contains(strs(s.Action), action) })
			if i < 0 {
				t.Fatalf("%s allows no %s", runtimePolicyFile, action)
			}
			s := p.Statement[i]
			if s.Effect != "Allow" || len(strs(s.Resource)) == 0 {
				t.Errorf("statement %s: Effect %q, Resource %v", s.Sid, s.Effect, s.Resource)
			}
			for _, r := range strs(s.Resource) {
				if !res.MatchString(r) {
					t.Errorf("statement %s: resource %q does not match %s", s.Sid, r, res)
				}
			}
		})
	}
	for _, s := range p.Statement {
		for _, a := range strs(s.Action) {
			if _, ok := want[a]; !ok {
				t.Errorf("statement %s allows %s, which the job does not call with this policy", s.Sid, a)
			}
		}
	}
}

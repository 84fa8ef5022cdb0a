// Package iam_test checks deploy/iam/runtime-policy.json, the policy of the
// job's own identity for load, report and check (the Kubernetes
// ServiceAccount's role), against the S3 calls the job's code makes.
// (deploy/iam/job-policy.json, for provision and teardown, is checked in
// internal/provision.)
package iam_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// runtimePackages are the packages of the job's load, report and check.
var runtimePackages = []string{"../../internal/source", "../../internal/report", "../../internal/cli"}

// s3Actions maps each S3 operation the job may call to the IAM action that
// authorizes it.
var s3Actions = map[string]string{
	"ListObjectsV2": "s3:ListBucket",
	"GetObject":     "s3:GetObject",
	"PutObject":     "s3:PutObject",
	"DeleteObject":  "s3:DeleteObject",
	// The buckets' regions (the Redshift target checks that COPY can read
	// them): HeadBucket is authorized by s3:ListBucket, GetBucketLocation
	// by its own action.
	"HeadBucket":        "s3:ListBucket",
	"GetBucketLocation": "s3:GetBucketLocation",
}

// calledOperations returns the S3 operations the runtime packages' code
// can call: any call of a method named as one of *s3.Client's, and the
// SDK's paginators (s3.NewListObjectsV2Paginator).
func calledOperations(t *testing.T) map[string]bool {
	t.Helper()
	ops := map[string]bool{}
	ct := reflect.TypeFor[*s3.Client]()
	for i := range ct.NumMethod() {
		ops[ct.Method(i).Name] = true
	}
	delete(ops, "Options")
	called := map[string]bool{}
	for _, dir := range runtimePackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				name := sel.Sel.Name
				if p, ok := strings.CutPrefix(name, "New"); ok && strings.HasSuffix(p, "Paginator") {
					name = strings.TrimSuffix(p, "Paginator")
				}
				if ops[name] {
					called[name] = true
				}
				return true
			})
		}
	}
	return called
}

type statement struct {
	Sid      string
	Effect   string
	Action   stringList
	Resource stringList
}

// stringList is an IAM policy value that is a string or a list of them.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

func TestRuntimePolicy(t *testing.T) {
	b, err := os.ReadFile("runtime-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Version   string
		Statement []statement
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&policy); err != nil {
		t.Fatal(err)
	}
	if policy.Version != "2012-10-17" {
		t.Errorf("Version %q, want 2012-10-17", policy.Version)
	}

	need := map[string]bool{}
	for op := range calledOperations(t) {
		a, ok := s3Actions[op]
		if !ok {
			t.Errorf("the job calls S3 %s, which s3Actions does not map to an IAM action", op)
			continue
		}
		need[a] = true
	}
	granted := map[string]bool{}
	for _, s := range policy.Statement {
		if s.Effect != "Allow" {
			t.Errorf("%s: effect %q, want Allow", s.Sid, s.Effect)
		}
		for _, a := range s.Action {
			granted[a] = true
			for _, r := range s.Resource {
				bucket, key, isObject := strings.Cut(strings.TrimPrefix(r, "arn:aws:s3:::"), "/")
				switch {
				case !strings.HasPrefix(r, "arn:aws:s3:::") || strings.Contains(bucket, "*"):
					t.Errorf("%s: %s on %q: want one bucket's ARN", s.Sid, a, r)
				case (a == "s3:ListBucket" || a == "s3:GetBucketLocation") && isObject:
					t.Errorf("%s: %s on %q: it applies to the bucket (arn:aws:s3:::BUCKET)", s.Sid, a, r)
				case a != "s3:ListBucket" && a != "s3:GetBucketLocation" && (!isObject || key == ""):
					t.Errorf("%s: %s on %q: it applies to objects (arn:aws:s3:::BUCKET/PREFIX/*)", s.Sid, a, r)
				}
			}
		}
	}
	if got, want := slices.Sorted(maps.Keys(granted)), slices.Sorted(maps.Keys(need)); !slices.Equal(got, want) {
		t.Errorf("the policy grants %v; the job's calls need exactly %v", got, want)
	}
}

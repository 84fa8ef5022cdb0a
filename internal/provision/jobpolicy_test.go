package provision

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// jobPolicyFile is the job's least-privilege IAM policy, which the README
// tells users to attach.
const jobPolicyFile = "../../deploy/iam/job-policy.json"

// impliedActions are the actions AWS authorizes as part of a call the code
// makes, with the call that needs each. They are in the policy although no
// code calls them by name.
var impliedActions = map[string]string{
	"iam:TagRole":                      "CreateRole with Tags",
	"iam:PassRole":                     "CreateCluster, ModifyClusterIamRoles, CreateNamespace and UpdateNamespace pass the role to Redshift",
	"iam:CreateServiceLinkedRole":      "the first CreateCluster of an account creates AWSServiceRoleForRedshift",
	"redshift:CreateTags":              "CreateCluster and CreateClusterSubnetGroup with Tags",
	"redshift-serverless:TagResource":  "CreateNamespace and CreateWorkgroup with tags",
	"redshift:CreateClusterSnapshot":   "DeleteCluster with a final snapshot",
	"ec2:CreateTags":                   "CreateSecurityGroup and AuthorizeSecurityGroupIngress with TagSpecifications",
	"ec2:DescribeSubnets":              "CreateCluster and CreateClusterSubnetGroup read the subnets",
	"ec2:DescribeAddresses":            "CreateCluster of a publicly accessible cluster",
	"ec2:DescribeInternetGateways":     "CreateCluster of a publicly accessible cluster",
	"ec2:DescribeAvailabilityZones":    "CreateCluster",
	"ec2:DescribeAccountAttributes":    "CreateCluster (default VPC)",
	"secretsmanager:CreateSecret":      "CreateCluster with ManageMasterPassword, CreateNamespace with manageAdminPassword",
	"secretsmanager:DescribeSecret":    "CreateCluster with ManageMasterPassword",
	"secretsmanager:UpdateSecret":      "ModifyCluster of a cluster with a managed password",
	"secretsmanager:RotateSecret":      "CreateCluster with ManageMasterPassword",
	"secretsmanager:DeleteSecret":      "DeleteCluster of a cluster with a managed password",
	"secretsmanager:TagResource":       "CreateCluster with ManageMasterPassword",
	"secretsmanager:GetRandomPassword": "CreateCluster with ManageMasterPassword",
}

// calledActions returns the AWS API actions the package's code can call,
// found in its source: a.IAM.Op(...), a.Redshift.Op(...), a.EC2.Op(...) and
// the SDK's paginators.
func calledActions(t *testing.T) map[string]bool {
	t.Helper()
	services := map[string]string{"IAM": "iam", "Redshift": "redshift", "EC2": "ec2", "Serverless": "redshift-serverless"}
	paginator := regexp.MustCompile(`^New(\w+)Paginator$`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := c.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch x := sel.X.(type) {
			case *ast.SelectorExpr: // a.IAM.GetRole
				if svc, ok := services[x.Sel.Name]; ok {
					actions[svc+":"+sel.Sel.Name] = true
				}
			case *ast.Ident: // ec2.NewDescribeSecurityGroupsPaginator, redshift.New…Waiter
				if m := paginator.FindStringSubmatch(sel.Sel.Name); m != nil && slices.Contains(slices.Collect(maps.Values(services)), x.Name) {
					actions[x.Name+":"+m[1]] = true
				}
				if strings.HasSuffix(sel.Sel.Name, "Waiter") {
					t.Errorf("%s: %s.%s: map the waiter's operation in calledActions", fset.Position(c.Pos()), x.Name, sel.Sel.Name)
				}
			}
			return true
		})
	}
	return actions
}

type jobStatement struct {
	Sid       string
	Effect    string
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

func readJobPolicy(t *testing.T) []jobStatement {
	t.Helper()
	b, err := os.ReadFile(jobPolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []jobStatement
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", jobPolicyFile, err)
	}
	if doc.Version != "2012-10-17" {
		t.Errorf("Version = %q", doc.Version)
	}
	return doc.Statement
}

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

// TestJobPolicyHasExactlyTheActionsTheCodeCalls checks deploy/iam/job-policy.json
// against the source: every action the code can call or makes AWS authorize
// is allowed, and nothing else.
func TestJobPolicyHasExactlyTheActionsTheCodeCalls(t *testing.T) {
	want := calledActions(t)
	if len(want) < 20 {
		t.Fatalf("found only %d called actions: %v", len(want), slices.Sorted(maps.Keys(want)))
	}
	for a := range impliedActions {
		want[a] = true
	}
	got := map[string]bool{}
	for _, st := range readJobPolicy(t) {
		for _, a := range strs(st.Action) {
			if strings.Contains(a, "*") {
				t.Errorf("statement %s: wildcard action %s", st.Sid, a)
			}
			got[a] = true
		}
	}
	for _, a := range slices.Sorted(maps.Keys(want)) {
		if !got[a] {
			t.Errorf("the policy lacks %s, which the code needs", a)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(got)) {
		if !want[a] {
			t.Errorf("the policy grants %s, which the code never needs", a)
		}
	}
}

// TestJobPolicyScopesChangesByTag checks that every action that changes or
// deletes an existing resource is allowed only on resources tagged
// sparkify-warehouse=sparkify, every create only with that tag in the
// request, and that only reads and actions without a resource type have
// Resource "*".
func TestJobPolicyScopesChangesByTag(t *testing.T) {
	changes := regexp.MustCompile(`:(Delete|Put|Modify|Update|Attach|Detach|Revoke|Resume|PassRole)`)
	creates := regexp.MustCompile(`:(Create(Role|Cluster|ClusterSubnetGroup|SecurityGroup|Namespace|Workgroup)$|TagRole|TagResource|CreateTags)`)
	tagged := func(st jobStatement, key string) bool {
		v := st.Condition["StringEquals"][key]
		return v == "sparkify"
	}
	for _, st := range readJobPolicy(t) {
		if st.Effect == "Deny" {
			continue // TestJobPolicyNeverRetags
		}
		resources := strs(st.Resource)
		for _, a := range strs(st.Action) {
			switch {
			case strings.HasPrefix(a, "secretsmanager:") || a == "redshift:CreateClusterSnapshot":
				// Redshift manages these; scoped by name below.
			case a == "ec2:CreateTags":
				if st.Condition["StringEquals"]["ec2:CreateAction"] == nil {
					t.Errorf("statement %s: %s is not limited to tagging on create (ec2:CreateAction)", st.Sid, a)
				}
			case changes.MatchString(a):
				if !tagged(st, "aws:ResourceTag/"+TagKey) && !tagged(st, "iam:ResourceTag/"+TagKey) {
					t.Errorf("statement %s: %s is not limited to resources tagged %s=sparkify", st.Sid, a, TagKey)
				}
			case creates.MatchString(a) && !slices.ContainsFunc(resources, func(r string) bool { return strings.Contains(r, ":vpc/") }):
				if !tagged(st, "aws:RequestTag/"+TagKey) {
					t.Errorf("statement %s: %s does not require the tag %s=sparkify", st.Sid, a, TagKey)
				}
			}
		}
		if slices.Contains(resources, "*") {
			for _, a := range strs(st.Action) {
				if !strings.Contains(a, ":Describe") && a != "secretsmanager:GetRandomPassword" {
					t.Errorf("statement %s: %s on every resource", st.Sid, a)
				}
			}
		}
		for _, r := range resources {
			if strings.HasPrefix(r, "arn:aws:secretsmanager:") && !strings.Contains(r, ":secret:redshift!sparkify-") {
				t.Errorf("statement %s: secrets beyond the cluster's own: %s", st.Sid, r)
			}
		}
	}
}

// TestJobPolicyNeverRetags checks that no tagging action the policy allows
// can move a resource tagged for another warehouse to this one, and that
// tagging is allowed only with the tag key the job uses.
func TestJobPolicyNeverRetags(t *testing.T) {
	tagging := []string{"iam:TagRole", "redshift:CreateTags", "redshift-serverless:TagResource", "ec2:CreateTags"}
	var denied []string
	for _, st := range readJobPolicy(t) {
		if st.Effect != "Deny" {
			for _, a := range strs(st.Action) {
				if slices.Contains(tagging, a) && a != "ec2:CreateTags" && !slices.Equal(strs(st.Condition["ForAllValues:StringEquals"]["aws:TagKeys"]), []string{TagKey}) {
					t.Errorf("statement %s: %s allows tag keys other than %s", st.Sid, a, TagKey)
				}
			}
			continue
		}
		if st.Condition["Null"]["aws:ResourceTag/"+TagKey] != "false" || st.Condition["StringNotEquals"]["aws:ResourceTag/"+TagKey] != "sparkify" {
			t.Errorf("statement %s: condition %v does not select resources tagged for another warehouse", st.Sid, st.Condition)
		}
		denied = append(denied, strs(st.Action)...)
	}
	for _, a := range tagging {
		if !slices.Contains(denied, a) {
			t.Errorf("no Deny keeps %s from retagging another warehouse's resources", a)
		}
	}
}

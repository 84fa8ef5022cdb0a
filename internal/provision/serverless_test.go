package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/testkit/awsfake"
)

const testWorkgroupEndpoint = "sparkify." + awsfake.Account + ".us-west-2.redshift-serverless.amazonaws.com"

// serverlessSpec is testSpec for a Redshift Serverless deployment: private,
// no ingress rule, unless mod says otherwise.
func serverlessSpec(t *testing.T, mod func(*Settings)) Spec {
	t.Helper()
	return testSpec(t, func(c *Settings) {
		c.RedshiftDeployment, c.IngressCIDR, c.PubliclyAccessible = "serverless", "", false
		if mod != nil {
			mod(c)
		}
	})
}

// serverlessLeftNothing fails the test when a namespace, a workgroup or
// anything else teardown removes is left.
func (f *fixture) serverlessLeftNothing(t *testing.T) {
	t.Helper()
	f.leftNothing(t)
	f.fake.Do(func(st *awsfake.State) {
		if len(st.Namespaces)+len(st.Workgroups) != 0 {
			t.Errorf("left behind: namespaces %v, workgroups %v", st.Namespaces, st.Workgroups)
		}
	})
}

func (f *fixture) body(t *testing.T, action string) map[string]any {
	t.Helper()
	for _, c := range f.fake.Calls() {
		if c.Action == action && c.Service == "redshift-serverless" {
			return c.Body
		}
	}
	t.Fatalf("no %s call; calls: %v", action, f.fake.Actions())
	return nil
}

func TestServerlessProvisionTwiceAndTeardown(t *testing.T) {
	f := newFixture(t)
	f.fake.ServerlessPolls = 2 // each create and delete is waited for
	s := serverlessSpec(t, nil)
	out := f.provision(t, s)

	equalStrings(t, "calls", f.fake.Actions(), []string{
		"redshift-serverless:GetWorkgroup", "redshift-serverless:GetNamespace", "iam:GetRole", "ec2:DescribeVpcs",
		"iam:CreateRole", "iam:PutRolePolicy",
		"redshift-serverless:CreateNamespace", "redshift-serverless:GetNamespace", "redshift-serverless:GetNamespace", "redshift-serverless:GetNamespace",
		"redshift-serverless:CreateWorkgroup", "redshift-serverless:GetWorkgroup", "redshift-serverless:GetWorkgroup", "redshift-serverless:GetWorkgroup",
		"ec2:DescribeSecurityGroupRules",
	})
	ns := f.body(t, "CreateNamespace")
	wantNS := map[string]any{
		"namespaceName": "sparkify", "dbName": "sparkify", "adminUsername": "sparkify", "manageAdminPassword": true,
		"iamRoles": []any{testRoleARN}, "defaultIamRoleArn": testRoleARN,
		"tags": []any{map[string]any{"key": TagKey, "value": "sparkify"}},
	}
	if fmt.Sprint(ns) != fmt.Sprint(wantNS) {
		t.Errorf("CreateNamespace:\n got  %v\n want %v", ns, wantNS)
	}
	wg := f.body(t, "CreateWorkgroup")
	wantWG := map[string]any{
		"workgroupName": "sparkify", "namespaceName": "sparkify", "baseCapacity": float64(4), "port": float64(5439),
		"publiclyAccessible": false, "tags": []any{map[string]any{"key": TagKey, "value": "sparkify"}},
	}
	if fmt.Sprint(wg) != fmt.Sprint(wantWG) {
		t.Errorf("CreateWorkgroup:\n got  %v\n want %v", wg, wantWG)
	}
	f.fake.Do(func(st *awsfake.State) {
		role := st.Roles["sparkify-redshift-s3-read"]
		if !samePolicy(role.TrustPolicy, serverlessTrustPolicy()) || !strings.Contains(role.TrustPolicy, "redshift-serverless.amazonaws.com") {
			t.Errorf("trust policy = %s", role.TrustPolicy)
		}
		if w := st.Workgroups["sparkify"]; w.VpcID != awsfake.DefaultVPC || w.Public || w.BaseCapacity != 4 {
			t.Errorf("workgroup = %+v", w)
		}
	})
	want := Outputs{
		DatabaseURL: "postgres://sparkify@" + testWorkgroupEndpoint + ":5439/sparkify?sslmode=require",
		RoleARN:     testRoleARN, Endpoint: testWorkgroupEndpoint, Port: 5439,
		PasswordSecretARN: "arn:aws:secretsmanager:us-west-2:" + awsfake.Account + ":secret:redshift!sparkify-admin-AbCdEf",
	}
	if out != want {
		t.Errorf("outputs:\n got  %+v\n want %+v", out, want)
	}

	f.fake.ResetCalls()
	if again := f.provision(t, s); again != want {
		t.Errorf("second run's outputs = %+v", again)
	}
	equalStrings(t, "writes of the second run", writes(f.fake.Actions()), nil)

	f.fake.ResetCalls()
	f.teardown(t, s)
	equalStrings(t, "teardown writes", writes(f.fake.Actions()), []string{
		"redshift-serverless:DeleteWorkgroup", "redshift-serverless:DeleteNamespace", "iam:DeleteRolePolicy", "iam:DeleteRole",
	})
	if got := f.body(t, "DeleteNamespace")["finalSnapshotName"]; got != "sparkify-final-20240102-030405" {
		t.Errorf("finalSnapshotName = %v", got)
	}
	f.serverlessLeftNothing(t)
	f.fake.Do(func(st *awsfake.State) {
		if st.ServerlessSnapshots["sparkify-final-20240102-030405"] == nil {
			t.Errorf("no final snapshot: %v", st.ServerlessSnapshots)
		}
	})
	f.fake.ResetCalls()
	f.teardown(t, s) // nothing left: nothing to do
	equalStrings(t, "writes of a teardown of nothing", writes(f.fake.Actions()), nil)
}

func TestServerlessTeardownResumes(t *testing.T) {
	tests := []struct {
		name  string
		first func(f *fixture, s *Spec) // makes the first teardown stop midway
	}{
		{name: "timed out while the workgroup is deleting", first: func(f *fixture, s *Spec) {
			f.fake.ServerlessPolls = 1000
			s.WaitTimeout = 30 * time.Millisecond
		}},
		{name: "DeleteNamespace failed", first: func(f *fixture, s *Spec) {
			f.fake.FailWith("DeleteNamespace", "InternalServerException", "injected", 400)
		}},
		{name: "timed out while the namespace is deleting", first: func(f *fixture, s *Spec) {
			f.fake.Do(func(st *awsfake.State) { delete(st.Workgroups, "sparkify") }) // deleted by an earlier run
			f.fake.ServerlessPolls = 1000
			s.WaitTimeout = 30 * time.Millisecond
		}},
		{name: "stopped after the namespace", first: func(f *fixture, s *Spec) {
			f.fake.FailWith("DeleteRolePolicy", "ServiceFailure", "injected", 400)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			s := serverlessSpec(t, func(c *Settings) { c.IngressCIDR = "10.0.0.0/16" })
			f.provision(t, s)
			first := s
			tt.first(f, &first)
			if err := f.aws.Teardown(context.Background(), first); err == nil {
				t.Fatal("the first teardown succeeded")
			}
			f.fake.ServerlessPolls = 1
			f.teardown(t, s)
			f.serverlessLeftNothing(t)
		})
	}
}

func TestServerlessNetworkAndIngress(t *testing.T) {
	t.Run("subnets, a private rule, then public", func(t *testing.T) {
		f := newFixture(t)
		s := serverlessSpec(t, func(c *Settings) { c.SubnetIDs, c.IngressCIDR = awsfake.OtherSubnets, "10.0.0.0/16" })
		f.provision(t, s)
		group := f.ownGroup(t)
		wg := f.body(t, "CreateWorkgroup")
		if fmt.Sprint(wg["subnetIds"]) != fmt.Sprint([]any{awsfake.OtherSubnets[0], awsfake.OtherSubnets[1]}) ||
			fmt.Sprint(wg["securityGroupIds"]) != fmt.Sprint([]any{group}) || wg["publiclyAccessible"] != false {
			t.Errorf("CreateWorkgroup = %v", wg)
		}
		f.fake.Do(func(st *awsfake.State) {
			if st.SecurityGroups[group].VpcID != awsfake.OtherVPC || len(st.Rules) != 1 {
				t.Errorf("group %+v, rules %v", st.SecurityGroups[group], st.Rules)
			}
			for _, r := range st.Rules {
				if r.CIDRv4 != "10.0.0.0/16" || r.FromPort != 5439 || r.GroupID != group {
					t.Errorf("rule = %+v", r)
				}
			}
		})
		// Public and bigger: two changes, one UpdateWorkgroup each.
		f.fake.ResetCalls()
		f.provision(t, serverlessSpec(t, func(c *Settings) {
			c.SubnetIDs, c.IngressCIDR, c.PubliclyAccessible, c.ServerlessBaseRPU = awsfake.OtherSubnets, "198.51.100.0/24", true, 8
		}))
		equalStrings(t, "writes", writes(f.fake.Actions()), []string{
			"redshift-serverless:UpdateWorkgroup", "redshift-serverless:UpdateWorkgroup", "ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress",
		})
		f.fake.Do(func(st *awsfake.State) {
			if w := st.Workgroups["sparkify"]; !w.Public || w.BaseCapacity != 8 {
				t.Errorf("workgroup = %+v", w)
			}
		})
		f.teardown(t, s)
		f.serverlessLeftNothing(t)
	})
	t.Run("no default VPC", func(t *testing.T) {
		f := newFixture(t)
		f.fake.NoDefaultVPC = true
		_, err := f.aws.Provision(context.Background(), serverlessSpec(t, nil))
		wantSettingError(t, err, "SubnetGroup", "this region has no default VPC, which Redshift needs to create a workgroup without subnets")
		equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	})
	t.Run("subnets of two VPCs", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.aws.Provision(context.Background(), serverlessSpec(t, func(c *Settings) {
			c.SubnetIDs = []string{awsfake.OtherSubnets[0], awsfake.DefaultSubnets[0]}
		}))
		wantSettingError(t, err, "SubnetIDs", "name subnets of one VPC")
		equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	})
	t.Run("VPC Block Public Access", func(t *testing.T) {
		f := newFixture(t)
		f.fake.BlockPublicAccess = true
		_, err := f.aws.Provision(context.Background(), serverlessSpec(t, func(c *Settings) { c.PubliclyAccessible = true }))
		wantSettingError(t, err, "PubliclyAccessible", "the VPC does not allow a publicly accessible endpoint")
	})
}

func TestServerlessOwnership(t *testing.T) {
	tests := []struct {
		name    string
		plant   func(st *awsfake.State)
		setting string
		msg     string
	}{
		{
			name: "namespace of another warehouse",
			plant: func(st *awsfake.State) {
				st.Namespaces["sparkify"] = &awsfake.Namespace{Name: "sparkify", ARN: "arn:aws:redshift-serverless:us-west-2:" + awsfake.Account + ":namespace/theirs",
					Status: "AVAILABLE", Tags: map[string]string{TagKey: "sparkify-prod"}}
			},
			setting: "ClusterID", msg: `Redshift Serverless namespace "sparkify" belongs to cluster "sparkify-prod"`,
		},
		{
			name: "untagged workgroup",
			plant: func(st *awsfake.State) {
				st.Workgroups["sparkify"] = &awsfake.Workgroup{Name: "sparkify", Namespace: "sparkify", ARN: "arn:aws:redshift-serverless:us-west-2:" + awsfake.Account + ":workgroup/theirs",
					Status: "AVAILABLE", Tags: map[string]string{}}
			},
			setting: "ClusterID", msg: `Redshift Serverless workgroup "sparkify" exists but was not created by this job`,
		},
		{
			name: "role of another warehouse",
			plant: func(st *awsfake.State) {
				st.Roles["sparkify-redshift-s3-read"] = &awsfake.Role{Name: "sparkify-redshift-s3-read", ARN: testRoleARN, Tags: map[string]string{TagKey: "other"}}
			},
			setting: "IAMRoleName", msg: `belongs to cluster "other"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fake.Do(tt.plant)
			s := serverlessSpec(t, func(c *Settings) { c.SubnetIDs = awsfake.OtherSubnets; c.IngressCIDR = "10.0.0.0/16" })
			_, err := f.aws.Provision(context.Background(), s)
			wantSettingError(t, err, tt.setting, tt.msg)
			err = f.aws.Teardown(context.Background(), s)
			wantSettingError(t, err, tt.setting, tt.msg)
			equalStrings(t, "writes", writes(f.fake.Actions()), nil)
		})
	}
}

func TestServerlessWaitsAndRetries(t *testing.T) {
	t.Run("busy workgroup and namespace are retried", func(t *testing.T) {
		f := newFixture(t)
		s := serverlessSpec(t, nil)
		f.provision(t, s)
		f.fake.FailWith("DeleteWorkgroup", "ConflictException", "There is an operation running on the workgroup sparkify. Try again later.", 400)
		f.fake.FailWith("DeleteNamespace", "ConflictException", "There is an operation running on the namespace sparkify. Try again later.", 400)
		f.fake.ResetCalls()
		f.teardown(t, s)
		equalStrings(t, "teardown writes", writes(f.fake.Actions()), []string{
			"redshift-serverless:DeleteWorkgroup", "redshift-serverless:DeleteWorkgroup",
			"redshift-serverless:DeleteNamespace", "redshift-serverless:DeleteNamespace", "iam:DeleteRolePolicy", "iam:DeleteRole",
		})
		f.serverlessLeftNothing(t)
	})
	t.Run("workgroup stuck creating: provision times out, then resumes", func(t *testing.T) {
		f := newFixture(t)
		f.fake.StuckCreating = true
		s := serverlessSpec(t, nil)
		s.WaitTimeout = 200 * time.Millisecond
		_, err := f.aws.Provision(context.Background(), s)
		if err == nil || !strings.Contains(err.Error(), `the Redshift Serverless workgroup sparkify is still "CREATING"`) {
			t.Fatalf("Provision: %v", err)
		}
		f.fake.StuckCreating = false
		f.fake.ResetCalls()
		s.WaitTimeout = time.Minute
		if out := f.provision(t, s); out.Endpoint != testWorkgroupEndpoint {
			t.Errorf("outputs = %+v", out)
		}
		equalStrings(t, "writes of the resumed run", writes(f.fake.Actions()), nil)
	})
	t.Run("being deleted", func(t *testing.T) {
		f := newFixture(t)
		s := serverlessSpec(t, nil)
		f.provision(t, s)
		f.fake.Do(func(st *awsfake.State) { st.Workgroups["sparkify"].Status = "DELETING" })
		f.fake.ServerlessPolls = 1000
		f.fake.ResetCalls()
		_, err := f.aws.Provision(context.Background(), s)
		if err == nil || !strings.Contains(err.Error(), "workgroup sparkify is being deleted") {
			t.Fatalf("Provision: %v", err)
		}
		equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	})
	t.Run("young role", func(t *testing.T) {
		f := newFixture(t)
		f.fake.RoleUnassumable = 2
		f.provision(t, serverlessSpec(t, nil))
		if n := len(slices.DeleteFunc(f.fake.Actions(), func(a string) bool { return a != "redshift-serverless:CreateNamespace" })); n != 3 {
			t.Errorf("%d CreateNamespace calls, want 3: %v", n, f.fake.Actions())
		}
	})
}

func TestServerlessPlansNameEveryCall(t *testing.T) {
	planned := map[string]bool{}
	for _, mod := range []func(*Settings){nil, func(c *Settings) { c.IngressCIDR = "10.0.0.0/16"; c.SubnetIDs = awsfake.OtherSubnets }} {
		s := serverlessSpec(t, mod)
		for _, c := range append(s.ProvisionPlan(), s.TeardownPlan(testNow)...) {
			planned[c.Service+":"+c.Op] = true
			if c.Op == "CreateCluster" || c.Op == "DeleteCluster" {
				t.Errorf("the serverless plan lists %s", c)
			}
		}
	}
	f := newFixture(t)
	s := serverlessSpec(t, func(c *Settings) { c.IngressCIDR = "10.0.0.0/16"; c.SubnetIDs = awsfake.OtherSubnets })
	f.provision(t, s)
	f.provision(t, serverlessSpec(t, func(c *Settings) {
		c.IngressCIDR, c.SubnetIDs, c.PubliclyAccessible, c.ServerlessBaseRPU = "198.51.100.0/24", awsfake.OtherSubnets, true, 16
	}))
	f.fake.Do(func(st *awsfake.State) { st.Namespaces["sparkify"].DefaultIamRole = "" })
	f.provision(t, s)
	f.teardown(t, s)
	for _, a := range f.fake.Actions() {
		if !planned[a] {
			t.Errorf("a real run called %s, which no plan lists", a)
		}
	}
}

func TestServerlessPasswordIsNeverShown(t *testing.T) {
	f := newFixture(t)
	s := serverlessSpec(t, func(c *Settings) { c.DBPassword = testPassword })
	out := f.provision(t, s)
	if got := f.body(t, "CreateNamespace"); got["adminUserPassword"] != testPassword || got["manageAdminPassword"] != nil {
		t.Errorf("CreateNamespace does not set the password: %v", got)
	}
	var plan strings.Builder
	if err := s.WriteProvisionPlan(&plan); err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"logs": f.logs.String(), "outputs": fmt.Sprintf("%+v", out), "plan": plan.String()} {
		if strings.Contains(text, testPassword) {
			t.Errorf("the %s show the password", what)
		}
	}
	if out.PasswordSecretARN != "" {
		t.Errorf("a secret ARN without a managed password: %q", out.PasswordSecretARN)
	}
}

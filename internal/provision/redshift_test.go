package provision

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/testkit/awsfake"
)

const (
	testPassword = "Sup3rSecretPw9"
	testRoleARN  = "arn:aws:iam::" + awsfake.Account + ":role/sparkify-redshift-s3-read"
	testEndpoint = "sparkify.c0ffee0fake.us-west-2.redshift.amazonaws.com"
)

var testNow = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// testConfig is the provision settings with the job's defaults and an
// ingress CIDR.
func testConfig() Settings {
	return Settings{
		SongData:    source.Location{Scheme: "s3", Bucket: "udacity-dend", Path: "song_data"},
		LogData:     source.Location{Scheme: "s3", Bucket: "udacity-dend", Path: "log_data"},
		LogJSONPath: "s3://udacity-dend/log_json_path.json",
		// A public CIDR needs a public endpoint.
		PubliclyAccessible: true,
		RedshiftDeployment: "provisioned",
		ServerlessBaseRPU:  4,
		ClusterID:          "sparkify",
		NodeType:           "ra3.large",
		NodeCount:          1,
		DBName:             "sparkify",
		DBUser:             "sparkify",
		DBPort:             5439,
		IAMRoleName:        "sparkify-redshift-s3-read",
		IngressCIDR:        "203.0.113.0/24",
		WaitTimeout:        time.Minute,
	}
}

func testSpec(t *testing.T, mod func(*Settings)) Spec {
	t.Helper()
	cfg := testConfig()
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSpec(cfg)
	if err != nil {
		t.Fatalf("NewSpec: %v", err)
	}
	return s
}

type fixture struct {
	fake *awsfake.Server
	aws  *AWS
	logs *bytes.Buffer
}

// newFixture points SDK clients with static credentials and no retries at
// a fresh fake. Nothing leaves the machine: the endpoint is on 127.0.0.1
// and the instance metadata service is disabled.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	fake := awsfake.New(t)
	cfg := aws.Config{
		Region:       "us-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake-secret-key", ""),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		BaseEndpoint: aws.String(fake.URL),
	}
	fake.Now = func() time.Time { return testNow }
	logs := &bytes.Buffer{}
	return &fixture{
		fake: fake,
		logs: logs,
		aws: &AWS{
			IAM:             iam.NewFromConfig(cfg),
			Redshift:        redshift.NewFromConfig(cfg),
			EC2:             ec2.NewFromConfig(cfg),
			Serverless:      redshiftserverless.NewFromConfig(cfg),
			Log:             slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			PollMinDelay:    time.Millisecond,
			PollMaxDelay:    5 * time.Millisecond,
			RoleSettleDelay: time.Millisecond,
			Now:             func() time.Time { return testNow },
		},
	}
}

func (f *fixture) provision(t *testing.T, s Spec) Outputs {
	t.Helper()
	out, err := f.aws.Provision(context.Background(), s)
	if err != nil {
		t.Fatalf("Provision: %v\nlogs:\n%s", err, f.logs)
	}
	return out
}

func (f *fixture) teardown(t *testing.T, s Spec) {
	t.Helper()
	if err := f.aws.Teardown(context.Background(), s); err != nil {
		t.Fatalf("Teardown: %v\nlogs:\n%s", err, f.logs)
	}
}

// writes returns the recorded actions that change something.
func writes(actions []string) []string {
	var out []string
	for _, a := range actions {
		op := a[strings.Index(a, ":")+1:]
		if !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") && !strings.HasPrefix(op, "Describe") {
			out = append(out, a)
		}
	}
	return out
}

func (f *fixture) call(t *testing.T, action string) url.Values {
	t.Helper()
	for _, c := range f.fake.Calls() {
		if c.Action == action {
			return c.Params
		}
	}
	t.Fatalf("no %s call; calls: %v", action, f.fake.Actions())
	return nil
}

func equalStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// leftNothing fails the test when anything teardown removes is left: the
// role, the cluster, its managed secret, ingress rules, the security groups
// and subnet groups the job created. Final snapshots are kept on purpose.
func (f *fixture) leftNothing(t *testing.T) {
	t.Helper()
	f.fake.Do(func(st *awsfake.State) {
		groups := 0
		for _, g := range st.SecurityGroups {
			if g.Name != "default" {
				groups++
			}
		}
		if len(st.Roles)+len(st.Clusters)+len(st.Rules)+len(st.Secrets)+len(st.SubnetGroups)+groups != 0 {
			t.Errorf("left behind: %+v", st)
		}
	})
}

// ownGroup returns the id of the security group the job created for the
// cluster sparkify.
func (f *fixture) ownGroup(t *testing.T) string {
	t.Helper()
	var id string
	f.fake.Do(func(st *awsfake.State) {
		for _, g := range st.SecurityGroups {
			if g.Tags[TagKey] == "sparkify" {
				id = g.ID
			}
		}
	})
	if id == "" {
		t.Fatal("no security group tagged for the cluster")
	}
	return id
}

// snapshot is the fake's state in a comparable form.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	var b []byte
	f.fake.Do(func(st *awsfake.State) {
		rules := map[string]awsfake.Rule{}
		for _, r := range st.Rules { // ids change between runs
			r := *r
			r.ID = ""
			rules[r.GroupID+" "+r.CIDRv4+r.CIDRv6] = r
		}
		groups := map[string]string{}
		for _, g := range st.SecurityGroups {
			groups[g.VpcID+" "+g.Name] = fmt.Sprint(g.Tags)
		}
		var err error
		b, err = json.Marshal(struct {
			Roles        map[string]*awsfake.Role
			Clusters     map[string]*awsfake.Cluster
			Rules        map[string]awsfake.Rule
			Groups       map[string]string
			SubnetGroups map[string]*awsfake.SubnetGroup
			Secrets      map[string]string
			Snapshots    map[string]*awsfake.Snapshot
		}{st.Roles, st.Clusters, rules, groups, st.SubnetGroups, st.Secrets, st.Snapshots})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range st.SecurityGroups { // ids of created groups change between runs
			b = bytes.ReplaceAll(b, []byte(g.ID), []byte(g.VpcID+"/"+g.Name))
		}
	})
	return string(b)
}

func TestProvisionCreatesEverything(t *testing.T) {
	f := newFixture(t)
	out := f.provision(t, testSpec(t, nil))

	equalStrings(t, "calls", f.fake.Actions(), []string{
		"redshift:DescribeClusters", "iam:GetRole", "ec2:DescribeVpcs", "ec2:DescribeSecurityGroups",
		"iam:CreateRole", "iam:PutRolePolicy", "ec2:CreateSecurityGroup",
		"redshift:CreateCluster", "redshift:DescribeClusters",
		"ec2:DescribeSecurityGroupRules", "ec2:AuthorizeSecurityGroupIngress",
	})
	group := f.ownGroup(t)
	sg := f.call(t, "CreateSecurityGroup")
	if sg.Get("GroupName") != "sparkify-warehouse-sparkify" || sg.Get("VpcId") != awsfake.DefaultVPC ||
		sg.Get("TagSpecification.1.ResourceType") != "security-group" || sg.Get("TagSpecification.1.Tag.1.Value") != "sparkify" {
		t.Errorf("CreateSecurityGroup params = %v", sg)
	}

	role := f.call(t, "CreateRole")
	if got := role.Get("AssumeRolePolicyDocument"); got != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:AssumeRole"}]}` {
		t.Errorf("trust policy = %s", got)
	}
	if role.Get("RoleName") != "sparkify-redshift-s3-read" || role.Get("Tags.member.1.Key") != TagKey || role.Get("Tags.member.1.Value") != "sparkify" {
		t.Errorf("CreateRole params = %v", role)
	}
	pol := f.call(t, "PutRolePolicy")
	if pol.Get("PolicyName") != InlinePolicyName {
		t.Errorf("policy name = %q", pol.Get("PolicyName"))
	}
	if got := pol.Get("PolicyDocument"); got != `{"Version":"2012-10-17","Statement":[`+
		`{"Sid":"ListSourceBuckets","Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::udacity-dend"]},`+
		`{"Sid":"ReadSourceObjects","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::udacity-dend/*"]}]}` {
		t.Errorf("inline policy = %s", got)
	}

	cl := f.call(t, "CreateCluster")
	want := map[string]string{
		"ClusterIdentifier":     "sparkify",
		"ClusterType":           "single-node",
		"NodeType":              "ra3.large",
		"DBName":                "sparkify",
		"MasterUsername":        "sparkify",
		"ManageMasterPassword":  "true",
		"Port":                  "5439",
		"Encrypted":             "true",
		"PubliclyAccessible":    "true",
		"IamRoles.IamRoleArn.1": testRoleARN,
		"Tags.Tag.1.Key":        TagKey,
		"Tags.Tag.1.Value":      "sparkify",
		"NumberOfNodes":         "",
		"MasterUserPassword":    "",
		"VpcSecurityGroupIds.VpcSecurityGroupId.1": group,
		"ClusterSubnetGroupName":                   "",
	}
	for k, v := range want {
		if got := cl.Get(k); got != v {
			t.Errorf("CreateCluster %s = %q, want %q", k, got, v)
		}
	}

	in := f.call(t, "AuthorizeSecurityGroupIngress")
	wantIn := map[string]string{
		"GroupId":                           group,
		"IpPermissions.1.IpProtocol":        "tcp",
		"IpPermissions.1.FromPort":          "5439",
		"IpPermissions.1.ToPort":            "5439",
		"IpPermissions.1.IpRanges.1.CidrIp": "203.0.113.0/24",
		"TagSpecification.1.ResourceType":   "security-group-rule",
		"TagSpecification.1.Tag.1.Key":      TagKey,
		"TagSpecification.1.Tag.1.Value":    "sparkify",
	}
	for k, v := range wantIn {
		if got := in.Get(k); got != v {
			t.Errorf("AuthorizeSecurityGroupIngress %s = %q, want %q", k, got, v)
		}
	}

	wantOut := Outputs{
		DatabaseURL:       "postgres://sparkify@" + testEndpoint + ":5439/sparkify?sslmode=verify-full&sslrootcert=system",
		RoleARN:           testRoleARN,
		Endpoint:          testEndpoint,
		Port:              5439,
		PasswordSecretARN: "arn:aws:secretsmanager:us-west-2:" + awsfake.Account + ":secret:redshift!sparkify-admin-AbCdEf",
	}
	if out != wantOut {
		t.Errorf("outputs = %+v\nwant %+v", out, wantOut)
	}
}

func TestProvisionShapes(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*Settings)
		check func(t *testing.T, f *fixture)
	}{
		{
			name: "multi-node cluster",
			mod:  func(c *Settings) { c.NodeCount = 4 },
			check: func(t *testing.T, f *fixture) {
				cl := f.call(t, "CreateCluster")
				if cl.Get("ClusterType") != "multi-node" || cl.Get("NumberOfNodes") != "4" {
					t.Errorf("ClusterType=%q NumberOfNodes=%q", cl.Get("ClusterType"), cl.Get("NumberOfNodes"))
				}
			},
		},
		{
			name: "private CIDR: in-VPC rule, private cluster",
			mod:  func(c *Settings) { c.IngressCIDR, c.PubliclyAccessible = "10.0.0.0/16", false },
			check: func(t *testing.T, f *fixture) {
				if got := f.call(t, "CreateCluster").Get("PubliclyAccessible"); got != "false" {
					t.Errorf("PubliclyAccessible = %q", got)
				}
				if got := f.call(t, "AuthorizeSecurityGroupIngress").Get("IpPermissions.1.IpRanges.1.CidrIp"); got != "10.0.0.0/16" {
					t.Errorf("rule CIDR = %q", got)
				}
				f.fake.Do(func(st *awsfake.State) {
					if cl := st.Clusters["sparkify"]; cl.PubliclyAccessible || len(cl.SecurityGroups) != 1 || cl.SecurityGroups[0] == awsfake.DefaultSecurityGroup {
						t.Errorf("cluster = %+v", cl)
					}
				})
			},
		},
		{
			name: "no ingress: private cluster, no rule",
			mod:  func(c *Settings) { c.IngressCIDR, c.PubliclyAccessible = "", false },
			check: func(t *testing.T, f *fixture) {
				if got := f.call(t, "CreateCluster").Get("PubliclyAccessible"); got != "false" {
					t.Errorf("PubliclyAccessible = %q", got)
				}
				if slices.Contains(f.fake.Actions(), "ec2:AuthorizeSecurityGroupIngress") {
					t.Errorf("ingress authorized without SPARKIFY_INGRESS_CIDR: %v", f.fake.Actions())
				}
			},
		},
		{
			name: "managed policy instead of the inline one",
			mod:  func(c *Settings) { c.ManagedS3Policy = true },
			check: func(t *testing.T, f *fixture) {
				equalStrings(t, "IAM writes", writes(f.fake.Actions())[:2], []string{"iam:CreateRole", "iam:AttachRolePolicy"})
				if got := f.call(t, "AttachRolePolicy").Get("PolicyArn"); got != "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" {
					t.Errorf("PolicyArn = %q", got)
				}
			},
		},
		{
			name: "several buckets, file sources ignored",
			mod: func(c *Settings) {
				c.SongData = source.Location{Scheme: "s3", Bucket: "songs-bucket", Path: "song_data"}
				c.LogData = source.Location{Scheme: "file", Path: "/data/log_data"}
				c.LogJSONPath = "s3://paths-bucket/log_json_path.json"
			},
			check: func(t *testing.T, f *fixture) {
				doc := f.call(t, "PutRolePolicy").Get("PolicyDocument")
				for _, want := range []string{`"arn:aws:s3:::paths-bucket","arn:aws:s3:::songs-bucket"]`, `"arn:aws:s3:::paths-bucket/*","arn:aws:s3:::songs-bucket/*"]`} {
					if !strings.Contains(doc, want) {
						t.Errorf("policy %s lacks %s", doc, want)
					}
				}
				if strings.Contains(doc, "file") || strings.Contains(doc, "udacity") {
					t.Errorf("policy %s names a bucket it should not", doc)
				}
			},
		},
		{
			name: "given security group, subnet group, dual-stack and IPv6 ingress",
			mod: func(c *Settings) {
				c.SecurityGroupID = awsfake.OtherSecurityGroup
				c.SubnetIDs = awsfake.OtherSubnets
				c.IPAddressType = "dualstack"
				c.IngressCIDR = "2001:db8::/56"
			},
			check: func(t *testing.T, f *fixture) {
				cl := f.call(t, "CreateCluster")
				if cl.Get("VpcSecurityGroupIds.VpcSecurityGroupId.1") != awsfake.OtherSecurityGroup || cl.Get("IpAddressType") != "dualstack" ||
					cl.Get("ClusterSubnetGroupName") != "sparkify-warehouse-sparkify" {
					t.Errorf("CreateCluster = %v", cl)
				}
				in := f.call(t, "AuthorizeSecurityGroupIngress")
				if in.Get("GroupId") != awsfake.OtherSecurityGroup || in.Get("IpPermissions.1.Ipv6Ranges.1.CidrIpv6") != "2001:db8::/56" {
					t.Errorf("AuthorizeSecurityGroupIngress = %v", in)
				}
				if slices.Contains(f.fake.Actions(), "ec2:CreateSecurityGroup") {
					t.Errorf("a security group was created although SPARKIFY_SECURITY_GROUP_ID is set: %v", f.fake.Actions())
				}
			},
		},
		{
			name: "password from the configuration",
			mod:  func(c *Settings) { c.DBPassword = testPassword },
			check: func(t *testing.T, f *fixture) {
				cl := f.call(t, "CreateCluster")
				if cl.Get("MasterUserPassword") != testPassword || cl.Get("ManageMasterPassword") != "" {
					t.Errorf("MasterUserPassword sent: %v, ManageMasterPassword = %q", cl.Get("MasterUserPassword") == testPassword, cl.Get("ManageMasterPassword"))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.provision(t, testSpec(t, tt.mod))
			tt.check(t, f)
		})
	}
}

func TestProvisionTwiceChangesNothing(t *testing.T) {
	f := newFixture(t)
	s := testSpec(t, nil)
	first := f.provision(t, s)
	before := f.snapshot(t)
	f.fake.ResetCalls()

	second := f.provision(t, s)
	equalStrings(t, "second run's calls", f.fake.Actions(), []string{
		"redshift:DescribeClusters", "iam:GetRole", "ec2:DescribeSecurityGroups", "iam:ListAttachedRolePolicies", "iam:GetRolePolicy",
		"ec2:DescribeSecurityGroupRules",
	})
	if first != second {
		t.Errorf("outputs differ: %+v, then %+v", first, second)
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("state changed:\n%s\n%s", before, after)
	}
}

func TestProvisionRepairsDrift(t *testing.T) {
	tests := []struct {
		name   string
		drift  func(st *awsfake.State)
		mod    func(*Settings) // configuration of the second run
		writes []string
	}{
		{
			name:   "role without its policy",
			drift:  func(st *awsfake.State) { delete(st.Roles["sparkify-redshift-s3-read"].Inline, InlinePolicyName) },
			writes: []string{"iam:PutRolePolicy"},
		},
		{
			name: "policy widened by hand",
			drift: func(st *awsfake.State) {
				st.Roles["sparkify-redshift-s3-read"].Inline[InlinePolicyName] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
			},
			writes: []string{"iam:PutRolePolicy"},
		},
		{
			name: "trust policy changed",
			drift: func(st *awsfake.State) {
				st.Roles["sparkify-redshift-s3-read"].TrustPolicy = `{"Version":"2012-10-17","Statement":[]}`
			},
			writes: []string{"iam:UpdateAssumeRolePolicy"},
		},
		{
			name:   "ingress missing",
			drift:  func(st *awsfake.State) { clear(st.Rules) },
			writes: []string{"ec2:AuthorizeSecurityGroupIngress"},
		},
		{
			name:   "role detached from the cluster",
			drift:  func(st *awsfake.State) { st.Clusters["sparkify"].IamRoles = nil },
			writes: []string{"redshift:ModifyClusterIamRoles"},
		},
		{
			name:   "cluster made private",
			drift:  func(st *awsfake.State) { st.Clusters["sparkify"].PubliclyAccessible = false },
			writes: []string{"redshift:ModifyCluster"},
		},
		{
			name:   "ingress CIDR changed",
			mod:    func(c *Settings) { c.IngressCIDR = "198.51.100.7" },
			writes: []string{"ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress"},
		},
		{
			name:   "ingress no longer asked for",
			mod:    func(c *Settings) { c.IngressCIDR, c.PubliclyAccessible = "", false },
			writes: []string{"redshift:ModifyCluster", "ec2:RevokeSecurityGroupIngress"},
		},
		{
			name:   "public endpoint no longer asked for, in-VPC rule",
			mod:    func(c *Settings) { c.IngressCIDR, c.PubliclyAccessible = "10.0.0.0/16", false },
			writes: []string{"redshift:ModifyCluster", "ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress"},
		},
		{
			name:   "switch to the managed policy",
			mod:    func(c *Settings) { c.ManagedS3Policy = true },
			writes: []string{"iam:AttachRolePolicy", "iam:DeleteRolePolicy"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.provision(t, testSpec(t, nil))
			if tt.drift != nil {
				f.fake.Do(tt.drift)
			}
			f.fake.ResetCalls()
			s := testSpec(t, tt.mod)
			out := f.provision(t, s)
			equalStrings(t, "repairs", writes(f.fake.Actions()), tt.writes)
			if out.RoleARN != testRoleARN || out.Endpoint != testEndpoint {
				t.Errorf("outputs = %+v", out)
			}
			// Repaired: a third run changes nothing.
			f.fake.ResetCalls()
			f.provision(t, s)
			equalStrings(t, "writes of the run after the repair", writes(f.fake.Actions()), nil)
			f.fake.Do(func(st *awsfake.State) {
				if len(st.Rules) != map[bool]int{true: 1, false: 0}[s.wantIngress()] {
					t.Errorf("rules = %v", st.Rules)
				}
				if cl := st.Clusters["sparkify"]; cl.PubliclyAccessible != s.wantPublic() || !slices.Contains(cl.IamRoles, testRoleARN) {
					t.Errorf("cluster = %+v", cl)
				}
			})
		})
	}
}

func TestProvisionRecoversFromFailureMidway(t *testing.T) {
	tests := []struct {
		action, code string
		status       int
	}{
		{"PutRolePolicy", "LimitExceeded", 409},
		{"CreateCluster", "ClusterQuotaExceeded", 400},
		{"DescribeClusters", "UnsupportedOperation", 400},
		{"AuthorizeSecurityGroupIngress", "RulesPerSecurityGroupLimitExceeded", 400},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			clean := newFixture(t)
			clean.provision(t, testSpec(t, nil))

			f := newFixture(t)
			f.fake.Fail(tt.action, tt.code, tt.status)
			_, err := f.aws.Provision(context.Background(), testSpec(t, nil))
			if err == nil || !strings.Contains(err.Error(), tt.action) || !strings.Contains(err.Error(), tt.code) {
				t.Fatalf("first run: error %v, want one naming %s and %s", err, tt.action, tt.code)
			}
			firstRun := f.fake.Actions()
			f.fake.ResetCalls()

			f.provision(t, testSpec(t, nil))
			for _, w := range writes(f.fake.Actions()) {
				if slices.Contains(firstRun, w) && w != "iam:"+tt.action && w != "redshift:"+tt.action && w != "ec2:"+tt.action {
					t.Errorf("the re-run repeated %s, which the first run had done", w)
				}
			}
			if got, want := f.snapshot(t), clean.snapshot(t); got != want {
				t.Errorf("state after recovery differs from a clean run:\n got  %s\n want %s", got, want)
			}
		})
	}
}

func TestProvisionWaiterTimesOut(t *testing.T) {
	f := newFixture(t)
	f.fake.StuckCreating = true
	s := testSpec(t, func(c *Settings) { c.WaitTimeout = 100 * time.Millisecond })
	_, err := f.aws.Provision(context.Background(), s)
	if err == nil {
		t.Fatal("Provision succeeded with the cluster stuck in creating")
	}
	for _, want := range []string{`cluster sparkify is still "creating" after 100ms`, "SPARKIFY_WAIT_TIMEOUT", "run the phase again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	polls := strings.Count(f.logs.String(), `msg="waiting for the cluster"`)
	if polls < 2 {
		t.Errorf("%d progress lines, want one a poll:\n%s", polls, f.logs)
	}
	if !strings.Contains(f.logs.String(), "status=creating") {
		t.Errorf("progress lines lack the status:\n%s", f.logs)
	}

	// Once the cluster is up, the same command finishes without creating anything.
	f.fake.StuckCreating = false
	f.fake.ResetCalls()
	f.provision(t, s)
	equalStrings(t, "writes after the timeout", writes(f.fake.Actions()), []string{"ec2:AuthorizeSecurityGroupIngress"})
}

func TestProvisionWaitsThroughCreating(t *testing.T) {
	f := newFixture(t)
	f.fake.CreatingPolls = 3
	f.provision(t, testSpec(t, nil))
	if got := strings.Count(strings.Join(f.fake.Actions(), " "), "redshift:DescribeClusters"); got != 5 {
		t.Errorf("%d DescribeClusters calls, want 1 lookup and 4 polls", got)
	}
	if got := strings.Count(f.logs.String(), "status=creating"); got != 3 {
		t.Errorf("%d progress lines with status=creating, want 3:\n%s", got, f.logs)
	}
}

func TestTeardown(t *testing.T) {
	tests := []struct {
		name     string
		mod      func(*Settings)
		snapshot string
		calls    []string
	}{
		{
			name:     "with final snapshot",
			snapshot: "sparkify-final-20240102-030405",
			calls: []string{
				"redshift:DescribeClusters", "iam:GetRole", "redshift:DeleteCluster", "redshift:DescribeClusters",
				"ec2:DescribeSecurityGroupRules", "ec2:RevokeSecurityGroupIngress",
				"ec2:DescribeSecurityGroups", "ec2:DeleteSecurityGroup", "redshift:DescribeClusterSubnetGroups",
				"iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:ListAttachedRolePolicies", "iam:DeleteRole",
			},
		},
		{
			name: "skip final snapshot, managed policy, no ingress",
			mod: func(c *Settings) {
				c.SkipFinalSnapshot = true
				c.ManagedS3Policy = true
				c.IngressCIDR = ""
			},
			calls: []string{
				"redshift:DescribeClusters", "iam:GetRole", "redshift:DeleteCluster", "redshift:DescribeClusters",
				"ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "redshift:DescribeClusterSubnetGroups",
				"iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:DeleteRole",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			s := testSpec(t, tt.mod)
			f.provision(t, s)
			var cluster *awsfake.Cluster
			f.fake.Do(func(st *awsfake.State) { cluster = st.Clusters["sparkify"] })
			f.fake.ResetCalls()
			f.fake.DeletingPolls = 2

			f.teardown(t, s)
			calls := f.fake.Actions()
			// The waiter polls while the cluster is deleting.
			calls = slices.Compact(calls)
			equalStrings(t, "calls", calls, tt.calls)
			del := f.call(t, "DeleteCluster")
			if del.Get("SkipFinalClusterSnapshot") != fmt.Sprint(s.SkipFinalSnapshot) || del.Get("FinalClusterSnapshotIdentifier") != tt.snapshot {
				t.Errorf("DeleteCluster params = %v", del)
			}
			if cluster.FinalSnapshot != tt.snapshot {
				t.Errorf("final snapshot = %q, want %q", cluster.FinalSnapshot, tt.snapshot)
			}
			f.leftNothing(t)
			f.fake.Do(func(st *awsfake.State) {
				if want := map[bool]int{true: 0, false: 1}[s.SkipFinalSnapshot]; len(st.Snapshots) != want || (want == 1 && st.Snapshots[tt.snapshot] == nil) {
					t.Errorf("snapshots = %v, want %q kept", st.Snapshots, tt.snapshot)
				}
			})

			// Teardown of nothing succeeds and only looks.
			f.fake.ResetCalls()
			f.teardown(t, s)
			equalStrings(t, "second teardown's writes", writes(f.fake.Actions()), nil)
		})
	}
}

func TestTeardownRecoversFromFailureMidway(t *testing.T) {
	for _, action := range []string{"DeleteCluster", "RevokeSecurityGroupIngress", "DeleteRolePolicy", "DeleteRole"} {
		t.Run(action, func(t *testing.T) {
			f := newFixture(t)
			s := testSpec(t, nil)
			f.provision(t, s)
			f.fake.Fail(action, "ServiceUnavailableFake", 400)
			if err := f.aws.Teardown(context.Background(), s); err == nil || !strings.Contains(err.Error(), action) {
				t.Fatalf("first teardown: error %v, want one naming %s", err, action)
			}
			f.teardown(t, s)
			f.leftNothing(t)
		})
	}
}

func TestTeardownWaitsForABusyCluster(t *testing.T) {
	f := newFixture(t)
	s := testSpec(t, nil)
	f.fake.StuckCreating = true
	s.WaitTimeout = 50 * time.Millisecond
	if _, err := f.aws.Provision(context.Background(), s); err == nil {
		t.Fatal("Provision succeeded with the cluster stuck in creating")
	}
	f.fake.StuckCreating = false
	f.fake.CreatingPolls = 2 // still creating when teardown looks
	f.fake.ResetCalls()
	s.WaitTimeout = time.Minute
	f.teardown(t, s)
	if !strings.Contains(f.logs.String(), "AWS refuses to delete the cluster in its current state; retrying") {
		t.Errorf("teardown did not wait for the busy cluster:\n%s", f.logs)
	}
	// Refused twice while creating, then accepted.
	equalStrings(t, "writes", writes(f.fake.Actions()), []string{"redshift:DeleteCluster", "redshift:DeleteCluster", "redshift:DeleteCluster",
		"ec2:DeleteSecurityGroup", "iam:DeleteRolePolicy", "iam:DeleteRole"})
}

func TestRefusesResourcesItDidNotCreate(t *testing.T) {
	tests := []struct {
		name        string
		plant       func(st *awsfake.State)
		wantSetting string
	}{
		{
			name: "role",
			plant: func(st *awsfake.State) {
				st.Roles["sparkify-redshift-s3-read"] = &awsfake.Role{Name: "sparkify-redshift-s3-read", ARN: testRoleARN, Inline: map[string]string{"theirs": "{}"}}
			},
			wantSetting: "IAMRoleName",
		},
		{
			name: "cluster",
			plant: func(st *awsfake.State) {
				st.Clusters["sparkify"] = &awsfake.Cluster{ID: "sparkify", Status: "available", Port: 5439}
			},
			wantSetting: "ClusterID",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fake.Do(tt.plant)
			before := f.snapshot(t)
			s := testSpec(t, nil)
			s.SkipFinalSnapshot = true
			for name, run := range map[string]func() error{
				"provision": func() error { _, err := f.aws.Provision(context.Background(), s); return err },
				"teardown":  func() error { return f.aws.Teardown(context.Background(), s) },
			} {
				err := run()
				if !isSettingError(t, err, tt.wantSetting) || !strings.Contains(err.Error(), "not created by this job") {
					t.Errorf("%s: error %v, want a setting error naming %s", name, err, tt.wantSetting)
				}
			}
			if after := f.snapshot(t); after != before {
				t.Errorf("foreign %s changed:\n%s\n%s", tt.name, before, after)
			}
		})
	}
}

func TestPasswordIsNeverShown(t *testing.T) {
	f := newFixture(t)
	f.fake.CreatingPolls = 2
	s := testSpec(t, func(c *Settings) { c.DBPassword = testPassword })
	out := f.provision(t, s)
	var stdout bytes.Buffer
	if err := out.Write(&stdout); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteProvisionPlan(&stdout); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteTeardownPlan(&stdout, testNow); err != nil {
		t.Fatal(err)
	}
	f.teardown(t, s)
	f.aws.Log.Info("spec", "spec", s, "password", s.Password)
	shown := map[string]string{
		"logs":    f.logs.String(),
		"stdout":  stdout.String(),
		"fmt %v":  fmt.Sprintf("%v", s),
		"fmt %+v": fmt.Sprintf("%+v", s),
		"fmt %#v": fmt.Sprintf("%#v", s),
		//lint:ignore S1025 the test is about what fmt's %s verb prints
		"fmt %s":      fmt.Sprintf("%s", s.Password),
		"json":        func() string { b, _ := json.Marshal(s); return string(b) }(),
		"outputs URL": out.DatabaseURL,
	}
	for where, text := range shown {
		if strings.Contains(text, testPassword) {
			t.Errorf("the password appears in %s:\n%s", where, text)
		}
	}
	if f.call(t, "CreateCluster").Get("MasterUserPassword") != testPassword {
		t.Error("the password did not reach CreateCluster")
	}
}

func TestPlansNameEveryWrite(t *testing.T) {
	// Every write a real run can make appears in the dry run's plan.
	planned := map[string]bool{}
	for _, mod := range []func(*Settings){nil, func(c *Settings) { c.ManagedS3Policy = true }, func(c *Settings) { c.IngressCIDR = "" }} {
		s := testSpec(t, mod)
		for _, c := range append(s.ProvisionPlan(), s.TeardownPlan(testNow)...) {
			planned[c.Service+":"+c.Op] = true
		}
	}
	f := newFixture(t)
	seen := map[string]bool{}
	record := func() {
		for _, a := range f.fake.Actions() {
			seen[a] = true
		}
	}
	s := testSpec(t, nil)
	f.provision(t, s)
	record()
	for _, tt := range []struct {
		drift func(*awsfake.State)
		mod   func(*Settings)
	}{
		{drift: func(st *awsfake.State) { st.Roles["sparkify-redshift-s3-read"].TrustPolicy = "{}" }},
		{drift: func(st *awsfake.State) {
			st.Clusters["sparkify"].IamRoles = nil
			st.Clusters["sparkify"].PubliclyAccessible = false
		}},
		{mod: func(c *Settings) { c.ManagedS3Policy = true }},
		{mod: func(c *Settings) { c.IngressCIDR = "198.51.100.0/24" }},
		{},
	} {
		if tt.drift != nil {
			f.fake.Do(tt.drift)
		}
		f.provision(t, testSpec(t, tt.mod))
		record()
	}
	f.teardown(t, s)
	record()
	for a := range seen {
		if !planned[a] {
			t.Errorf("a real run called %s, which no plan lists", a)
		}
	}
}

func TestPlanText(t *testing.T) {
	s := testSpec(t, nil)
	var b bytes.Buffer
	if err := s.WriteProvisionPlan(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"iam CreateRole RoleName=sparkify-redshift-s3-read AssumeRolePolicyDocument=",
		"redshift CreateCluster ClusterIdentifier=sparkify ClusterType=single-node NodeType=ra3.large DBName=sparkify MasterUsername=sparkify ManageMasterPassword=true Port=5439 Encrypted=true",
		"ec2 CreateSecurityGroup GroupName=sparkify-warehouse-sparkify VpcId=<the cluster's VPC> TagSpecifications=security-group:sparkify-warehouse=sparkify",
		"ec2 AuthorizeSecurityGroupIngress GroupId=<the group created above> IpProtocol=tcp FromPort=5439 ToPort=5439 CidrIp=203.0.113.0/24",
		"ec2 DescribeVpcs Filter=is-default=true  [when the cluster is missing; refuse (exit 2) when the region has no default VPC",
		"redshift DescribeClusters ClusterIdentifier=sparkify  [refuse (exit 2) unless tagged sparkify-warehouse=sparkify",
		"iam GetRole RoleName=sparkify-redshift-s3-read  [refuse (exit 2) unless tagged sparkify-warehouse=sparkify",
		"network: no subnet group: the default VPC, checked to exist first",
		"security group for the ingress rule: sparkify-warehouse-sparkify, created in the cluster's VPC",
		"SPARKIFY_DATABASE_URL=postgres://sparkify@<endpoint>:5439/sparkify?sslmode=verify-full&sslrootcert=system",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("provision plan lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	if err := s.WriteTeardownPlan(&b, testNow); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"redshift DeleteCluster ClusterIdentifier=sparkify SkipFinalClusterSnapshot=false FinalClusterSnapshotIdentifier=sparkify-final-20240102-030405",
		"iam DeleteRole RoleName=sparkify-redshift-s3-read",
		"redshift ResumeCluster ClusterIdentifier=sparkify  [when paused",
		"ec2 DeleteSecurityGroup GroupId=<its id>",
		"redshift DeleteClusterSubnetGroup ClusterSubnetGroupName=sparkify-warehouse-sparkify  [when it exists and is tagged sparkify-warehouse=sparkify]",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("teardown plan lacks %q:\n%s", want, b.String())
		}
	}
}

func TestOutputsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outputs.env")
	o := Outputs{DatabaseURL: "postgres://u@h:5439/d?sslmode=require", RoleARN: "arn:aws:iam::1:role/r", Endpoint: "h", Port: 5439}
	if err := o.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "SPARKIFY_DATABASE_URL=postgres://u@h:5439/d?sslmode=require\nSPARKIFY_IAM_ROLE_ARN=arn:aws:iam::1:role/r\nSPARKIFY_REDSHIFT_ENDPOINT=h\nSPARKIFY_REDSHIFT_PORT=5439\n"
	if string(got) != want {
		t.Errorf("file = %q, want %q", got, want)
	}
}

// TestCreateClusterWaitsForAYoungRole checks the retry while Redshift does
// not accept a role IAM is still propagating: decided by the role's age
// (CreateDate) and the error code, whichever run created the role.
func TestCreateClusterWaitsForAYoungRole(t *testing.T) {
	tests := []struct {
		name        string
		plantAge    time.Duration // >0: the role exists, created that long ago
		earlierRun  bool          // a first run created the role and failed at CreateCluster
		unassumable int           // CreateCluster calls Redshift refuses for the role
		failCode    string        // another CreateCluster failure to inject
		wantErr     string
		creates     int // CreateCluster calls of the (last) run
	}{
		{name: "new role propagates after two tries", unassumable: 2, creates: 3},
		{name: "new role never propagates", unassumable: roleSettleAttempts, creates: roleSettleAttempts, wantErr: "CreateCluster: operation error Redshift: CreateCluster"},
		{name: "young role of an earlier run is retried", earlierRun: true, unassumable: 2, creates: 3},
		{name: "role created minutes ago by another run is retried", plantAge: 3 * time.Minute, unassumable: 1, creates: 2},
		{name: "old role is not retried", plantAge: 24 * time.Hour, unassumable: 1, creates: 1, wantErr: "InvalidParameterValue"},
		{name: "other error is not retried", failCode: "InvalidParameterCombination", creates: 1, wantErr: "InvalidParameterCombination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			s := testSpec(t, nil)
			f.fake.RoleUnassumable = tt.unassumable
			if tt.plantAge > 0 {
				f.fake.Do(func(st *awsfake.State) {
					st.Roles["sparkify-redshift-s3-read"] = &awsfake.Role{
						Name: "sparkify-redshift-s3-read", ARN: testRoleARN, TrustPolicy: trustPolicy(),
						Tags: map[string]string{TagKey: "sparkify"}, Inline: map[string]string{},
						Created: testNow.Add(-tt.plantAge), Unassumable: tt.unassumable,
					}
				})
			}
			if tt.earlierRun {
				f.fake.Fail("CreateCluster", "ClusterQuotaExceeded", 400)
				if _, err := f.aws.Provision(context.Background(), s); err == nil {
					t.Fatal("the first run succeeded")
				}
			}
			if tt.failCode != "" {
				f.fake.Fail("CreateCluster", tt.failCode, 400)
			}
			f.fake.ResetCalls()
			_, err := f.aws.Provision(context.Background(), s)
			if got := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || !strings.Contains(got, tt.wantErr) {
				t.Fatalf("Provision: %v, want error %q", err, tt.wantErr)
			}
			if got := strings.Count(strings.Join(f.fake.Actions(), " "), "redshift:CreateCluster"); got != tt.creates {
				t.Errorf("%d CreateCluster calls, want %d", got, tt.creates)
			}
		})
	}
}

package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/cli"
	"github.com/sparkify/warehouse/internal/testkit/awsfake"
)

// isolateAWS makes sure the AWS SDK finds no credentials, no shared
// configuration and no instance metadata service, so nothing can leave the
// machine.
func isolateAWS(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_REGION":                             "",
		"AWS_DEFAULT_REGION":                     "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_ROLE_ARN":                           "",
		"AWS_ENDPOINT_URL":                       "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
	} {
		t.Setenv(k, v)
	}
}

// useFake points the SDK at an in-process fake with static credentials.
func useFake(t *testing.T) *awsfake.Server {
	t.Helper()
	fake := awsfake.New(t)
	for _, k := range []string{"AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_REDSHIFT", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS"} {
		t.Setenv(k, fake.URL)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	return fake
}

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, &out, &errb, "test")
	return code, out.String(), errb.String()
}

func TestProvisionDryRunNeedsNothing(t *testing.T) {
	tests := []struct {
		name   string
		phase  string
		env    map[string]string
		want   []string
		absent []string
	}{
		{
			name:  "provision",
			phase: "provision",
			want: []string{"CreateRole", "PutRolePolicy", "CreateCluster", "ClusterType=single-node", "Encrypted=true", "ManageMasterPassword=true", "PubliclyAccessible=false",
				"network: no subnet group: the default VPC, checked to exist first", "ec2 DescribeVpcs Filter=is-default=true",
				"security group for the ingress rule: none created", "ownership: the job adopts, changes and deletes only resources tagged sparkify-warehouse=sparkify",
				"[refuse (exit 2) unless tagged sparkify-warehouse=sparkify"},
		},
		{
			name:  "provision with ingress",
			phase: "provision",
			env:   map[string]string{"SPARKIFY_INGRESS_CIDR": "203.0.113.0/24", "SPARKIFY_PUBLICLY_ACCESSIBLE": "true", "SPARKIFY_NODE_COUNT": "2"},
			want:  []string{"CreateRole", "CreateCluster", "ClusterType=multi-node NumberOfNodes=2", "PubliclyAccessible=true", "AuthorizeSecurityGroupIngress", "CidrIp=203.0.113.0/24"},
		},
		{
			name:  "provision with ingress into subnets",
			phase: "provision",
			env:   map[string]string{"SPARKIFY_INGRESS_CIDR": "10.0.0.0/16", "SPARKIFY_SUBNET_IDS": "subnet-0a0000000000000a1,subnet-0a0000000000000b2"},
			want: []string{"network: subnet group sparkify-warehouse-sparkify, created from SPARKIFY_SUBNET_IDS subnet-0a0000000000000a1,subnet-0a0000000000000b2 and removed by teardown",
				"redshift CreateClusterSubnetGroup ClusterSubnetGroupName=sparkify-warehouse-sparkify SubnetIds=subnet-0a0000000000000a1,subnet-0a0000000000000b2 Tags=sparkify-warehouse=sparkify",
				"security group for the ingress rule: sparkify-warehouse-sparkify, created in the cluster's VPC, attached to the cluster, removed by teardown",
				"ec2 CreateSecurityGroup GroupName=sparkify-warehouse-sparkify", "ClusterSubnetGroupName=sparkify-warehouse-sparkify", "VpcSecurityGroupIds=<the group created above>",
				"PubliclyAccessible=false", "CidrIp=10.0.0.0/16"},
		},
		{
			name:  "teardown",
			phase: "teardown",
			want: []string{"DeleteCluster", "FinalClusterSnapshotIdentifier=sparkify-final-", "RevokeSecurityGroupIngress", "DeleteRolePolicy", "DeleteRole",
				"ResumeCluster", "DeleteSecurityGroup", "DeleteClusterSubnetGroup", "through final-snapshot and deleting"},
		},
		{
			name:  "serverless provision",
			phase: "provision",
			env:   map[string]string{"SPARKIFY_REDSHIFT_DEPLOYMENT": "serverless", "SPARKIFY_INGRESS_CIDR": "10.0.0.0/16"},
			want: []string{"target redshift (serverless: namespace and workgroup sparkify)",
				"redshift-serverless CreateNamespace namespaceName=sparkify dbName=sparkify adminUsername=sparkify manageAdminPassword=true iamRoles=arn:aws:iam::<account>:role/sparkify-redshift-s3-read defaultIamRoleArn=arn:aws:iam::<account>:role/sparkify-redshift-s3-read",
				"redshift-serverless CreateWorkgroup workgroupName=sparkify namespaceName=sparkify baseCapacity=4 port=5439 publiclyAccessible=false securityGroupIds=<the group created above> tags=sparkify-warehouse=sparkify",
				"endpoint: private", "CidrIp=10.0.0.0/16", "GetWorkgroup", "polling until AVAILABLE"},
			absent: []string{"CreateCluster", "DescribeClusters"},
		},
		{
			name:   "serverless teardown",
			phase:  "teardown",
			env:    map[string]string{"SPARKIFY_REDSHIFT_DEPLOYMENT": "serverless"},
			want:   []string{"redshift-serverless DeleteWorkgroup workgroupName=sparkify", "redshift-serverless DeleteNamespace namespaceName=sparkify finalSnapshotName=sparkify-final-", "DeleteRole"},
			absent: []string{"DeleteCluster"},
		},
		{
			name:  "provision and teardown",
			phase: "provision,teardown",
			want:  []string{"CreateRole", "CreateCluster", "DeleteCluster", "DeleteRole"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			// Were the dry run to call AWS, the calls would land here.
			fake := awsfake.New(t)
			t.Setenv("AWS_ENDPOINT_URL", fake.URL)
			t.Setenv("SPARKIFY_TARGET", "redshift")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := run(t, "-phase", tt.phase, "-dry-run")
			if code != cli.ExitOK {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, absent := range tt.absent {
				if strings.Contains(stdout, absent) {
					t.Errorf("stdout shows %q:\n%s", absent, stdout)
				}
			}
			if calls := fake.Actions(); len(calls) != 0 {
				t.Errorf("the dry run called AWS: %v", calls)
			}
		})
	}
}

// TestRefusedBeforeAnyAWSCall checks settings that AWS would refuse only
// after the role and the network exist: they stop the run, dry or real,
// with exit 2 before any AWS call.
func TestRefusedBeforeAnyAWSCall(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{
			name: "DC2",
			env:  map[string]string{"SPARKIFY_NODE_TYPE": "dc2.large"},
			want: "SPARKIFY_NODE_TYPE: dc2.large is retired: AWS has retired the DC2 node types (and DS2 and DC1 before them), so new clusters cannot use them. Use an RA3 node type (ra3.16xlarge, ra3.4xlarge, ra3.large, ra3.xlplus), or SPARKIFY_REDSHIFT_DEPLOYMENT=serverless",
		},
		{
			name: "unknown node type",
			env:  map[string]string{"SPARKIFY_NODE_TYPE": "foo.bar"},
			want: `SPARKIFY_NODE_TYPE: "foo.bar" is not a Redshift node type: use one of ra3.16xlarge, ra3.4xlarge, ra3.large, ra3.xlplus`,
		},
		{
			name: "too many nodes for the type",
			env:  map[string]string{"SPARKIFY_NODE_COUNT": "64"},
			want: "SPARKIFY_NODE_COUNT: 64 is out of range for ra3.large: use 1 (single-node) to 16 nodes",
		},
		{
			name: "reserved master user",
			env:  map[string]string{"SPARKIFY_DB_USER": "user"},
			want: `SPARKIFY_DB_USER: "user" is a Redshift reserved word, which Redshift refuses as the master user name: choose another name, such as sparkify or awsuser`,
		},
		{
			name: "public CIDR without a public endpoint",
			env:  map[string]string{"SPARKIFY_INGRESS_CIDR": "203.0.113.0/24"},
			want: "SPARKIFY_INGRESS_CIDR: 203.0.113.0/24 is a public address range, which reaches only a publicly accessible endpoint: set SPARKIFY_PUBLICLY_ACCESSIBLE=true for a public endpoint, or give the private CIDR of the network inside the VPC (such as 10.0.0.0/16) that connects to it",
		},
		{
			name: "serverless base capacity",
			env:  map[string]string{"SPARKIFY_REDSHIFT_DEPLOYMENT": "serverless", "SPARKIFY_SERVERLESS_BASE_RPU": "6"},
			want: "SPARKIFY_SERVERLESS_BASE_RPU: 6 RPUs is not a base capacity Redshift Serverless accepts: use 4, a multiple of 8 from 8 to 512, or a multiple of 32 from 512 to 1024 (not in every region)",
		},
	}
	for _, tt := range tests {
		for _, phase := range [][]string{{"-phase", "provision", "-dry-run"}, {"-phase", "provision"}, {"-phase", "teardown"}} {
			t.Run(tt.name+" "+strings.Join(phase, " "), func(t *testing.T) {
				isolateAWS(t)
				fake := useFake(t)
				t.Setenv("SPARKIFY_TARGET", "redshift")
				for k, v := range tt.env {
					t.Setenv(k, v)
				}
				code, stdout, stderr := run(t, phase...)
				if code != cli.ExitUsage {
					t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, cli.ExitUsage, stdout, stderr)
				}
				want := "job: " + phase[1] + ": configuration error: " + tt.want
				if !slices.Contains(strings.Split(stderr, "\n"), want) {
					t.Errorf("stderr lacks the line\n%s\nstderr:\n%s", want, stderr)
				}
				if calls := fake.Actions(); len(calls) != 0 {
					t.Errorf("AWS was called: %v", calls)
				}
			})
		}
	}
}

func TestPublicIngressIsRefused(t *testing.T) {
	tests := []struct {
		name, cidr, allow string
		args              []string
		want              int
	}{
		{"IPv4 world", "0.0.0.0/0", "", []string{"-phase", "provision"}, cli.ExitUsage},
		{"IPv4 world, dry run", "0.0.0.0/0", "", []string{"-phase", "provision", "-dry-run"}, cli.ExitUsage},
		{"IPv6 world", "::/0", "", []string{"-phase", "provision"}, cli.ExitUsage},
		{"explicitly allowed", "0.0.0.0/0", "true", []string{"-phase", "provision", "-dry-run"}, cli.ExitOK},
		{"not a CIDR", "my-office", "", []string{"-phase", "provision", "-dry-run"}, cli.ExitUsage},
		{"postgres target too", "0.0.0.0/0", "", []string{"-phase", "provision"}, cli.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			fake := useFake(t)
			t.Setenv("SPARKIFY_TARGET", "redshift")
			if strings.HasPrefix(tt.name, "postgres") {
				t.Setenv("SPARKIFY_TARGET", "postgres")
				t.Setenv("SPARKIFY_DATABASE_URL", "postgres://u:pw@127.0.0.1:1/sparkify")
			}
			t.Setenv("SPARKIFY_INGRESS_CIDR", tt.cidr)
			if tt.allow != "" {
				t.Setenv("SPARKIFY_ALLOW_PUBLIC_INGRESS", tt.allow)
				t.Setenv("SPARKIFY_PUBLICLY_ACCESSIBLE", "true")
			}
			code, stdout, stderr := run(t, tt.args...)
			if code != tt.want {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout, stderr)
			}
			if tt.want == cli.ExitUsage && !strings.Contains(stderr, "SPARKIFY_INGRESS_CIDR") {
				t.Errorf("stderr does not name SPARKIFY_INGRESS_CIDR:\n%s", stderr)
			}
			if calls := fake.Actions(); len(calls) != 0 {
				t.Errorf("AWS was called: %v", calls)
			}
		})
	}
}

func TestProvisionAndTeardownAgainstFake(t *testing.T) {
	const password = "Sup3rSecretPw9"
	isolateAWS(t)
	fake := useFake(t)
	outFile := filepath.Join(t.TempDir(), "provision.env")
	t.Setenv("SPARKIFY_TARGET", "redshift")
	t.Setenv("SPARKIFY_DB_PASSWORD", password)
	t.Setenv("SPARKIFY_INGRESS_CIDR", "198.51.100.7/32")
	t.Setenv("SPARKIFY_PUBLICLY_ACCESSIBLE", "true")
	t.Setenv("SPARKIFY_OUTPUT_FILE", outFile)
	t.Setenv("SPARKIFY_SKIP_FINAL_SNAPSHOT", "true")

	code, stdout, stderr := run(t, "-phase", "provision")
	if code != cli.ExitOK {
		t.Fatalf("provision: exit %d\nstderr:\n%s", code, stderr)
	}
	want := "SPARKIFY_DATABASE_URL=postgres://sparkify@sparkify.c0ffee0fake.us-west-2.redshift.amazonaws.com:5439/sparkify?sslmode=verify-full&sslrootcert=system\n" +
		"SPARKIFY_IAM_ROLE_ARN=arn:aws:iam::" + awsfake.Account + ":role/sparkify-redshift-s3-read\n" +
		"SPARKIFY_REDSHIFT_ENDPOINT=sparkify.c0ffee0fake.us-west-2.redshift.amazonaws.com\n" +
		"SPARKIFY_REDSHIFT_PORT=5439\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if b, err := os.ReadFile(outFile); err != nil || string(b) != want {
		t.Errorf("output file: %q, %v", b, err)
	}
	if !strings.Contains(stderr, "AWS_REGION is not set") {
		t.Errorf("no note about the region fallback:\n%s", stderr)
	}
	for _, text := range []string{stdout, stderr} {
		if strings.Contains(text, password) {
			t.Errorf("the password was shown:\n%s", text)
		}
	}

	// A second run changes nothing.
	fake.ResetCalls()
	if code, _, stderr := run(t, "-phase", "provision"); code != cli.ExitOK {
		t.Fatalf("second provision: exit %d\n%s", code, stderr)
	}
	for _, a := range fake.Actions() {
		if strings.Contains(a, ":Create") || strings.Contains(a, ":Put") || strings.Contains(a, ":Authorize") || strings.Contains(a, ":Modify") {
			t.Errorf("the second run wrote: %s", a)
		}
	}

	for i := range 2 { // teardown, then teardown of nothing
		code, _, stderr = run(t, "-phase", "teardown")
		if code != cli.ExitOK {
			t.Fatalf("teardown %d: exit %d\nstderr:\n%s", i+1, code, stderr)
		}
		if strings.Contains(stderr, password) {
			t.Errorf("the password was shown:\n%s", stderr)
		}
	}
	fake.Do(func(st *awsfake.State) {
		if len(st.Roles)+len(st.Clusters)+len(st.Rules) != 0 {
			t.Errorf("left behind: %+v", st)
		}
	})
}

func TestProvisionWithoutCredentials(t *testing.T) {
	isolateAWS(t)
	fake := awsfake.New(t)
	t.Setenv("AWS_ENDPOINT_URL", fake.URL)
	t.Setenv("SPARKIFY_TARGET", "redshift")
	code, _, stderr := run(t, "-phase", "provision")
	if code != cli.ExitUsage || !strings.Contains(stderr, "no AWS credentials") {
		t.Errorf("exit %d, want 2 with a note on credentials\nstderr:\n%s", code, stderr)
	}
	if calls := fake.Actions(); len(calls) != 0 {
		t.Errorf("AWS was called: %v", calls)
	}
}

func TestPostgresTargetConfiguration(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stdout for exit 0, in stderr otherwise
	}{
		{
			name: "provision dry run",
			env:  map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:pw@127.0.0.1:1/sparkify_dev"},
			args: []string{"-phase", "provision", "-dry-run"},
			want: `CREATE DATABASE "sparkify_dev"`,
		},
		{
			name: "teardown dry run, confirmed",
			env:  map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:pw@127.0.0.1:1/sparkify_dev", "SPARKIFY_TEARDOWN_CONFIRM": "sparkify_dev"},
			args: []string{"-phase", "teardown", "-dry-run"},
			want: `DROP DATABASE IF EXISTS "sparkify_dev"`,
		},
		{
			name: "teardown not confirmed",
			env:  map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:pw@127.0.0.1:1/sparkify_dev"},
			args: []string{"-phase", "teardown"},
			code: cli.ExitUsage,
			want: "SPARKIFY_TEARDOWN_CONFIRM=sparkify_dev",
		},
		{
			name: "teardown confirmed with another name",
			env:  map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:pw@127.0.0.1:1/sparkify_dev", "SPARKIFY_TEARDOWN_CONFIRM": "sparkify"},
			args: []string{"-phase", "teardown", "-dry-run"},
			code: cli.ExitUsage,
			want: "SPARKIFY_TEARDOWN_CONFIRM",
		},
		{
			name: "provision without a database URL",
			args: []string{"-phase", "provision", "-dry-run"},
			code: cli.ExitUsage,
			want: "SPARKIFY_DATABASE_URL",
		},
		{
			name: "unreachable server",
			env:  map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:pw@127.0.0.1:1/sparkify_dev?connect_timeout=2"},
			args: []string{"-phase", "provision"},
			code: cli.ExitUsage,
			want: "cannot connect",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SPARKIFY_TARGET", "postgres")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := run(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			out := stdout
			if code != cli.ExitOK {
				out = stderr
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
			if strings.Contains(stdout+stderr, ":pw@") {
				t.Errorf("the password was shown:\n%s%s", stdout, stderr)
			}
		})
	}
}

// TestSettingErrorMessages checks the exact line a setting the user must fix
// prints, including the variables its message names.
func TestSettingErrorMessages(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		plant func(st *awsfake.State)
		fake  func(*awsfake.Server) // selects a behaviour of real accounts
		args  []string
		want  string
	}{
		{
			name: "whole internet",
			env:  map[string]string{"SPARKIFY_TARGET": "redshift", "SPARKIFY_INGRESS_CIDR": "0.0.0.0/0"},
			args: []string{"-phase", "provision", "-dry-run"},
			want: "job: provision: configuration error: SPARKIFY_INGRESS_CIDR: 0.0.0.0/0 opens the cluster port to the whole internet: use a narrower CIDR, or set SPARKIFY_ALLOW_PUBLIC_INGRESS=true if you really mean it",
		},
		{
			name: "bad cluster id",
			env:  map[string]string{"SPARKIFY_TARGET": "redshift", "SPARKIFY_CLUSTER_ID": "Sparkify_1"},
			args: []string{"-phase", "teardown", "-dry-run"},
			want: `job: teardown: configuration error: SPARKIFY_CLUSTER_ID: "Sparkify_1" is not a Redshift cluster identifier: use 1 to 63 lower-case letters, digits and single hyphens, starting with a letter`,
		},
		{
			name: "no S3 source",
			env: map[string]string{"SPARKIFY_TARGET": "redshift", "SPARKIFY_SONG_DATA": "file:///d/song", "SPARKIFY_LOG_DATA": "file:///d/log",
				"SPARKIFY_LOG_JSONPATH": "file:///d/p.json"},
			args: []string{"-phase", "provision", "-dry-run"},
			want: "job: provision: configuration error: SPARKIFY_SONG_DATA: no source is in S3 (SONG_DATA, LOG_DATA and LOG_JSONPATH are all file://): Redshift loads only from s3://bucket/prefix",
		},
		{
			name: "teardown not confirmed",
			env:  map[string]string{"SPARKIFY_TARGET": "postgres", "SPARKIFY_DATABASE_URL": "postgres://u:pw@127.0.0.1:1/sparkify_dev"},
			args: []string{"-phase", "teardown", "-dry-run"},
			want: `job: teardown: configuration error: SPARKIFY_TEARDOWN_CONFIRM: teardown drops database "sparkify_dev" and everything in it only when SPARKIFY_TEARDOWN_CONFIRM repeats its name: set SPARKIFY_TEARDOWN_CONFIRM=sparkify_dev`,
		},
		{
			name: "foreign cluster",
			env:  map[string]string{"SPARKIFY_TARGET": "redshift"},
			plant: func(st *awsfake.State) {
				st.Clusters["sparkify"] = &awsfake.Cluster{ID: "sparkify", Status: "available", Port: 5439}
			},
			args: []string{"-phase", "teardown"},
			want: `job: teardown: configuration error: SPARKIFY_CLUSTER_ID: Redshift cluster "sparkify" exists but was not created by this job (it has no sparkify-warehouse tag): choose another name, or tag it sparkify-warehouse=sparkify to let the job manage it`,
		},
		{
			name: "no default VPC",
			env:  map[string]string{"SPARKIFY_TARGET": "redshift"},
			fake: func(s *awsfake.Server) { s.NoDefaultVPC = true },
			args: []string{"-phase", "provision"},
			want: "job: provision: configuration error: SPARKIFY_SUBNET_GROUP: this region has no default VPC, which Redshift needs to create a cluster without a subnet group (organisation and Control Tower accounts usually have none): set SPARKIFY_SUBNET_GROUP to an existing cluster subnet group, or SPARKIFY_SUBNET_IDS to subnets of one VPC for the job to make one",
		},
		{
			name: "role of another cluster",
			env:  map[string]string{"SPARKIFY_TARGET": "redshift", "SPARKIFY_CLUSTER_ID": "sparkify-dev"},
			plant: func(st *awsfake.State) {
				st.Roles["sparkify-redshift-s3-read"] = &awsfake.Role{Name: "sparkify-redshift-s3-read", Tags: map[string]string{"sparkify-warehouse": "sparkify"}}
			},
			args: []string{"-phase", "teardown"},
			want: `job: teardown: configuration error: SPARKIFY_IAM_ROLE_NAME: IAM role "sparkify-redshift-s3-read" belongs to cluster "sparkify" (tag sparkify-warehouse=sparkify), not to cluster "sparkify-dev": give this cluster its own SPARKIFY_IAM_ROLE_NAME`,
		},
		{
			name: "IPv6 ingress on an IPv4 cluster",
			env:  map[string]string{"SPARKIFY_TARGET": "redshift", "SPARKIFY_INGRESS_CIDR": "2001:db8::/56"},
			args: []string{"-phase", "provision", "-dry-run"},
			want: "job: provision: configuration error: SPARKIFY_INGRESS_CIDR: 2001:db8::/56 is an IPv6 CIDR, which admits nothing to an IPv4-only cluster: use an IPv4 CIDR, or set SPARKIFY_IP_ADDRESS_TYPE=dualstack with SPARKIFY_SUBNET_GROUP or SPARKIFY_SUBNET_IDS naming subnets that have IPv6 ranges",
		},
		{
			name: "ra3 port",
			env:  map[string]string{"SPARKIFY_TARGET": "redshift", "SPARKIFY_DB_PORT": "5500"},
			args: []string{"-phase", "provision", "-dry-run"},
			want: "job: provision: configuration error: SPARKIFY_DB_PORT: 5500 is not a port ra3.large nodes accept: use 5431-5455 or 8191-8215 (default 5439)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t)
			fake := useFake(t)
			if tt.plant != nil {
				fake.Do(tt.plant)
			}
			if tt.fake != nil {
				tt.fake(fake)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := run(t, tt.args...)
			if code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, cli.ExitUsage, stdout, stderr)
			}
			if !slices.Contains(strings.Split(stderr, "\n"), tt.want) {
				t.Errorf("stderr lacks the line\n%s\nstderr:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestServerlessAgainstFake(t *testing.T) {
	isolateAWS(t)
	fake := useFake(t)
	t.Setenv("SPARKIFY_TARGET", "redshift")
	t.Setenv("SPARKIFY_REDSHIFT_DEPLOYMENT", "serverless")
	t.Setenv("SPARKIFY_INGRESS_CIDR", "10.0.0.0/16")

	code, stdout, stderr := run(t, "-phase", "provision")
	if code != cli.ExitOK {
		t.Fatalf("provision: exit %d\nstderr:\n%s", code, stderr)
	}
	endpoint := awsfake.WorkgroupEndpoint("sparkify")
	want := "SPARKIFY_DATABASE_URL=postgres://sparkify@" + endpoint + ":5439/sparkify?sslmode=require\n" +
		"SPARKIFY_IAM_ROLE_ARN=arn:aws:iam::" + awsfake.Account + ":role/sparkify-redshift-s3-read\n" +
		"SPARKIFY_REDSHIFT_ENDPOINT=" + endpoint + "\n" +
		"SPARKIFY_REDSHIFT_PORT=5439\n" +
		"SPARKIFY_REDSHIFT_PASSWORD_SECRET_ARN=arn:aws:secretsmanager:us-west-2:" + awsfake.Account + ":secret:redshift!sparkify-admin-AbCdEf\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	fake.ResetCalls()
	if code, _, stderr := run(t, "-phase", "provision"); code != cli.ExitOK {
		t.Fatalf("second provision: exit %d\n%s", code, stderr)
	}
	for _, a := range fake.Actions() {
		if !strings.Contains(a, ":Get") && !strings.Contains(a, ":List") && !strings.Contains(a, ":Describe") {
			t.Errorf("the second run wrote: %s", a)
		}
	}
	for i := range 2 { // teardown, then teardown of nothing
		if code, _, stderr := run(t, "-phase", "teardown"); code != cli.ExitOK {
			t.Fatalf("teardown %d: exit %d\nstderr:\n%s", i+1, code, stderr)
		}
	}
	fake.Do(func(st *awsfake.State) {
		if len(st.Roles)+len(st.Namespaces)+len(st.Workgroups)+len(st.Rules)+len(st.Secrets) != 0 {
			t.Errorf("left behind: %+v", st)
		}
	})
}

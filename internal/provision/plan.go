package provision

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Call is one AWS API call of a plan.
type Call struct {
	Service string // iam, redshift or ec2
	Op      string // operation name, such as CreateRole
	Params  []Param
	When    string // the condition under which a real run makes it; "" means always
}

// Param is a key parameter of a Call.
type Param struct{ Key, Value string }

func (c Call) String() string {
	var b strings.Builder
	b.WriteString(c.Service + " " + c.Op)
	for _, p := range c.Params {
		b.WriteString(" " + p.Key + "=" + p.Value)
	}
	if c.When != "" {
		b.WriteString("  [" + c.When + "]")
	}
	return b.String()
}

func call(service, op, when string, kv ...string) Call {
	c := Call{Service: service, Op: op, When: when}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Params = append(c.Params, Param{kv[i], kv[i+1]})
	}
	return c
}

// placeholders for what only a real run knows.
const (
	accountPlaceholder  = "<account>"
	endpointPlaceholder = "<endpoint>"
)

func (s Spec) planRoleARN() string {
	return "arn:aws:iam::" + accountPlaceholder + ":role/" + s.RoleName
}

func (s Spec) tagParam() string { return TagKey + "=" + s.ClusterID }

// ProvisionPlan lists the AWS calls Provision makes, in order, with their
// key parameters and the condition for each write.
func (s Spec) ProvisionPlan() []Call {
	role := s.RoleName
	calls := []Call{
		call("redshift", "DescribeClusters", "", "ClusterIdentifier", s.ClusterID),
		call("iam", "GetRole", "", "RoleName", role),
		call("iam", "CreateRole", "when the role is missing", "RoleName", role, "AssumeRolePolicyDocument", trustPolicy(), "Tags", s.tagParam()),
		call("iam", "UpdateAssumeRolePolicy", "when the trust policy has drifted", "RoleName", role, "PolicyDocument", trustPolicy()),
		call("iam", "ListAttachedRolePolicies", "", "RoleName", role),
		call("iam", "GetRolePolicy", "", "RoleName", role, "PolicyName", InlinePolicyName),
	}
	managed := managedPolicyARN("aws")
	if s.ManagedPolicy {
		calls = append(calls,
			call("iam", "AttachRolePolicy", "when not attached", "RoleName", role, "PolicyArn", managed),
			call("iam", "DeleteRolePolicy", "when an earlier run put the inline policy", "RoleName", role, "PolicyName", InlinePolicyName),
		)
	} else {
		calls = append(calls,
			call("iam", "PutRolePolicy", "when missing or drifted", "RoleName", role, "PolicyName", InlinePolicyName, "PolicyDocument", readPolicy("aws", s.Buckets)),
			call("iam", "DetachRolePolicy", "when an earlier run attached it", "RoleName", role, "PolicyArn", managed),
		)
	}
	create := []string{
		"ClusterIdentifier", s.ClusterID,
		"ClusterType", "single-node",
	}
	if !s.singleNode() {
		create = []string{"ClusterIdentifier", s.ClusterID, "ClusterType", "multi-node", "NumberOfNodes", strconv.Itoa(s.NodeCount)}
	}
	create = append(create,
		"NodeType", s.NodeType,
		"DBName", s.DBName,
		"MasterUsername", s.DBUser,
	)
	if s.Password == "" {
		create = append(create, "ManageMasterPassword", "true")
	} else {
		create = append(create, "MasterUserPassword", "<SPARKIFY_DB_PASSWORD, not shown>")
	}
	create = append(create,
		"Port", strconv.Itoa(s.Port),
		"Encrypted", "true",
		"IamRoles", s.planRoleARN(),
		"PubliclyAccessible", strconv.FormatBool(s.wantPublic()),
	)
	if s.SecurityGroupID != "" {
		create = append(create, "VpcSecurityGroupIds", s.SecurityGroupID)
	}
	create = append(create, "Tags", s.tagParam())
	calls = append(calls,
		call("redshift", "CreateCluster", "when the cluster is missing", create...),
		call("redshift", "DescribeClusters", "ClusterAvailable waiter, polling until available, at most "+s.WaitTimeout.String(), "ClusterIdentifier", s.ClusterID),
		call("redshift", "ModifyClusterIamRoles", "when the role is not attached, then the waiter again", "ClusterIdentifier", s.ClusterID, "AddIamRoles", s.planRoleARN()),
		call("redshift", "ModifyCluster", "when public accessibility differs, then the waiter again", "ClusterIdentifier", s.ClusterID, "PubliclyAccessible", strconv.FormatBool(s.wantPublic())),
		call("ec2", "DescribeSecurityGroupRules", "", "Filter", "tag:"+s.tagParam()),
	)
	if s.wantPublic() {
		group := s.SecurityGroupID
		if group == "" {
			group = "<the cluster's VPC security group>"
		}
		cidrKey := "CidrIp"
		if !s.Ingress.Addr().Is4() {
			cidrKey = "CidrIpv6"
		}
		calls = append(calls,
			call("ec2", "RevokeSecurityGroupIngress", "for each rule this job added for another CIDR", "GroupId", "<its group>", "SecurityGroupRuleIds", "<its id>"),
			call("ec2", "AuthorizeSecurityGroupIngress", "when missing", "GroupId", group, "IpProtocol", "tcp",
				"FromPort", strconv.Itoa(s.Port), "ToPort", strconv.Itoa(s.Port), cidrKey, s.Ingress.String(), "TagSpecifications", "security-group-rule:"+s.tagParam()),
		)
	} else {
		calls = append(calls,
			call("ec2", "RevokeSecurityGroupIngress", "for each rule this job added earlier: SPARKIFY_INGRESS_CIDR is empty", "GroupId", "<its group>", "SecurityGroupRuleIds", "<its id>"),
		)
	}
	return calls
}

// TeardownPlan lists the AWS calls Teardown makes, in order.
func (s Spec) TeardownPlan(now time.Time) []Call {
	del := []string{"ClusterIdentifier", s.ClusterID, "SkipFinalClusterSnapshot", strconv.FormatBool(s.SkipFinalSnapshot)}
	if !s.SkipFinalSnapshot {
		del = append(del, "FinalClusterSnapshotIdentifier", finalSnapshotID(s.ClusterID, now))
	}
	role := s.RoleName
	return []Call{
		call("redshift", "DescribeClusters", "", "ClusterIdentifier", s.ClusterID),
		call("iam", "GetRole", "", "RoleName", role),
		call("redshift", "DeleteCluster", "when the cluster exists and is not already being deleted", del...),
		call("redshift", "DescribeClusters", "ClusterDeleted waiter, polling until gone, at most "+s.WaitTimeout.String(), "ClusterIdentifier", s.ClusterID),
		call("ec2", "DescribeSecurityGroupRules", "", "Filter", "tag:"+s.tagParam()),
		call("ec2", "RevokeSecurityGroupIngress", "for each rule found", "GroupId", "<its group>", "SecurityGroupRuleIds", "<its id>"),
		call("iam", "ListRolePolicies", "when the role exists", "RoleName", role),
		call("iam", "DeleteRolePolicy", "for each inline policy", "RoleName", role, "PolicyName", InlinePolicyName),
		call("iam", "ListAttachedRolePolicies", "when the role exists", "RoleName", role),
		call("iam", "DetachRolePolicy", "for each attached policy", "RoleName", role, "PolicyArn", "<its ARN>"),
		call("iam", "DeleteRole", "when the role exists", "RoleName", role),
	}
}

// WriteProvisionPlan writes the dry run of provision: the calls and the
// outputs a real run prints.
func (s Spec) WriteProvisionPlan(w io.Writer) error {
	fmt.Fprintln(w, "dry run: provision, target redshift. No AWS API is called. A real run makes these calls in order; a call with a [condition] is made only when it holds:")
	writeCalls(w, s.ProvisionPlan())
	fmt.Fprintln(w, "then prints (and writes to SPARKIFY_OUTPUT_FILE when set):")
	out := Outputs{
		DatabaseURL: "postgres://" + s.DBUser + "@" + endpointPlaceholder + ":" + strconv.Itoa(s.Port) + "/" + s.DBName + "?sslmode=require",
		RoleARN:     s.planRoleARN(),
		Endpoint:    endpointPlaceholder,
		Port:        s.Port,
	}
	if s.Password == "" {
		out.PasswordSecretARN = "<secret ARN>"
	}
	for _, l := range out.lines() {
		fmt.Fprintln(w, "  "+l)
	}
	return nil
}

// WriteTeardownPlan writes the dry run of teardown.
func (s Spec) WriteTeardownPlan(w io.Writer, now time.Time) error {
	_, err := fmt.Fprintln(w, "dry run: teardown, target redshift. No AWS API is called. A real run makes these calls in order; a call with a [condition] is made only when it holds:")
	writeCalls(w, s.TeardownPlan(now))
	return err
}

func writeCalls(w io.Writer, calls []Call) {
	for _, c := range calls {
		fmt.Fprintln(w, "  "+c.String())
	}
}

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

func (s Spec) ownedWhen() string {
	return "refuse (exit 2) unless tagged " + s.tagParam() + ", as everything this job adopts or deletes"
}

// groupPlaceholder names the security group that holds the ingress rule.
func (s Spec) groupPlaceholder() string {
	if s.SecurityGroupID != "" {
		return s.SecurityGroupID
	}
	return "<the group created above>"
}

// networkPlan lists the calls that find the new cluster's VPC.
func (s Spec) networkPlan() []Call {
	const missing = "when the cluster is missing"
	switch {
	case s.SubnetGroup != "":
		return []Call{call("redshift", "DescribeClusterSubnetGroups", missing+"; refuse (exit 2) when it does not exist", "ClusterSubnetGroupName", s.SubnetGroup)}
	case len(s.SubnetIDs) > 0:
		name := s.subnetGroupName()
		return []Call{
			call("redshift", "DescribeClusterSubnetGroups", missing+"; "+s.ownedWhen(), "ClusterSubnetGroupName", name),
			call("redshift", "CreateClusterSubnetGroup", missing+" and the subnet group too", "ClusterSubnetGroupName", name, "SubnetIds", strings.Join(s.SubnetIDs, ","), "Tags", s.tagParam()),
		}
	}
	return []Call{call("ec2", "DescribeVpcs", missing+"; refuse (exit 2) when the region has no default VPC: set SPARKIFY_SUBNET_GROUP or SPARKIFY_SUBNET_IDS", "Filter", "is-default=true")}
}

// securityGroupPlan lists the calls that find or create the security group
// that holds the ingress rule.
func (s Spec) securityGroupPlan() []Call {
	if s.SecurityGroupID != "" {
		return []Call{call("ec2", "DescribeSecurityGroups", "refuse (exit 2) unless it exists in the cluster's VPC", "GroupIds", s.SecurityGroupID)}
	}
	if !s.wantPublic() {
		return nil
	}
	return []Call{
		call("ec2", "DescribeSecurityGroups", "", "Filter", "tag:"+s.tagParam()+",vpc-id=<the cluster's VPC>"),
		call("ec2", "CreateSecurityGroup", "when missing; the cluster's own group, never the VPC's default group", "GroupName", ownName(s.ClusterID),
			"VpcId", "<the cluster's VPC>", "TagSpecifications", "security-group:"+s.tagParam()),
	}
}

// ProvisionPlan lists the AWS calls Provision makes, in order, with their
// key parameters and the condition for each write.
func (s Spec) ProvisionPlan() []Call {
	role := s.RoleName
	calls := []Call{
		call("redshift", "DescribeClusters", s.ownedWhen()+"; refuse when deleting, final-snapshot, pausing, paused or failed", "ClusterIdentifier", s.ClusterID),
	}
	calls = append(calls, s.networkPlan()...)
	calls = append(calls,
		call("iam", "GetRole", s.ownedWhen(), "RoleName", role),
		call("iam", "CreateRole", "when the role is missing", "RoleName", role, "AssumeRolePolicyDocument", trustPolicy(), "Tags", s.tagParam()),
		call("iam", "UpdateAssumeRolePolicy", "when the trust policy has drifted", "RoleName", role, "PolicyDocument", trustPolicy()),
		call("iam", "ListAttachedRolePolicies", "when the role existed", "RoleName", role),
		call("iam", "GetRolePolicy", "when the role existed", "RoleName", role, "PolicyName", InlinePolicyName),
	)
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
	calls = append(calls, s.securityGroupPlan()...)
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
	if s.SecurityGroupID != "" || s.wantPublic() {
		create = append(create, "VpcSecurityGroupIds", s.groupPlaceholder())
	}
	if name := s.subnetGroupName(); name != "" {
		create = append(create, "ClusterSubnetGroupName", name)
	}
	if s.DualStack {
		create = append(create, "IpAddressType", "dualstack")
	}
	create = append(create, "Tags", s.tagParam())
	modify := []string{"ClusterIdentifier", s.ClusterID, "PubliclyAccessible", strconv.FormatBool(s.wantPublic())}
	if s.SecurityGroupID != "" || s.wantPublic() {
		modify = append(modify, "VpcSecurityGroupIds", "<its groups>+"+s.groupPlaceholder())
	}
	wait := "polling until available (ClusterStatus available, ClusterAvailabilityStatus Available, nothing pending, roles in-sync), at most " + s.WaitTimeout.String()
	calls = append(calls,
		call("redshift", "CreateCluster", "when the cluster is missing; retried while Redshift does not accept a role younger than "+roleYoungFor.String(), create...),
		call("redshift", "DescribeClusters", wait, "ClusterIdentifier", s.ClusterID),
		call("redshift", "ModifyClusterIamRoles", "when the role is not attached, then wait again; retried while the cluster is busy", "ClusterIdentifier", s.ClusterID, "AddIamRoles", s.planRoleARN()),
		call("redshift", "ModifyCluster", "when public accessibility differs or the group is not attached, then wait again; retried while the cluster is busy", modify...),
		call("ec2", "DescribeSecurityGroupRules", "", "Filter", "tag:"+s.tagParam()),
	)
	if s.wantPublic() {
		cidrKey := "CidrIp"
		if !s.Ingress.Addr().Is4() {
			cidrKey = "CidrIpv6"
		}
		calls = append(calls,
			call("ec2", "RevokeSecurityGroupIngress", "for each rule this job added for another CIDR or group", "GroupId", "<its group>", "SecurityGroupRuleIds", "<its id>"),
			call("ec2", "AuthorizeSecurityGroupIngress", "when missing", "GroupId", s.groupPlaceholder(), "IpProtocol", "tcp",
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
	subnets := ownName(s.ClusterID)
	return []Call{
		call("redshift", "DescribeClusters", s.ownedWhen(), "ClusterIdentifier", s.ClusterID),
		call("iam", "GetRole", s.ownedWhen(), "RoleName", role),
		call("redshift", "DescribeClusters", "while the cluster is busy or pausing, polling until it settles", "ClusterIdentifier", s.ClusterID),
		call("redshift", "ResumeCluster", "when paused: Redshift deletes only running clusters", "ClusterIdentifier", s.ClusterID),
		call("redshift", "DeleteCluster", "when the cluster exists and is not already being deleted (deleting, final-snapshot); retried while busy", del...),
		call("redshift", "DescribeClusters", "polling until gone (through final-snapshot and deleting), at most "+s.WaitTimeout.String(), "ClusterIdentifier", s.ClusterID),
		call("ec2", "DescribeSecurityGroupRules", "", "Filter", "tag:"+s.tagParam()),
		call("ec2", "RevokeSecurityGroupIngress", "for each rule found", "GroupId", "<its group>", "SecurityGroupRuleIds", "<its id>"),
		call("ec2", "DescribeSecurityGroups", "", "Filter", "tag:"+s.tagParam()),
		call("ec2", "DeleteSecurityGroup", "for each group found; retried while the deleted cluster's network interfaces hold it", "GroupId", "<its id>"),
		call("redshift", "DescribeClusterSubnetGroups", "", "ClusterSubnetGroupName", subnets),
		call("redshift", "DeleteClusterSubnetGroup", "when it exists and is tagged "+s.tagParam(), "ClusterSubnetGroupName", subnets),
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
	fmt.Fprintln(w, "dry run: provision, target redshift. No AWS API is called.")
	for _, l := range s.summary() {
		fmt.Fprintln(w, "  "+l)
	}
	fmt.Fprintln(w, "A real run makes these calls in order; a call with a [condition] is made only when it holds:")
	writeCalls(w, s.ProvisionPlan())
	fmt.Fprintln(w, "then prints (and writes to SPARKIFY_OUTPUT_FILE when set):")
	out := Outputs{
		DatabaseURL: "postgres://" + s.DBUser + "@" + endpointPlaceholder + ":" + strconv.Itoa(s.Port) + "/" + s.DBName + "?sslmode=verify-full&sslrootcert=system",
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

// summary says where the cluster goes, which security group holds the
// ingress rule and what the job adopts.
func (s Spec) summary() []string {
	var subnet, group string
	switch {
	case s.SubnetGroup != "":
		subnet = "subnet group " + s.SubnetGroup + " (SPARKIFY_SUBNET_GROUP, must exist)"
	case len(s.SubnetIDs) > 0:
		subnet = "subnet group " + s.subnetGroupName() + ", created from SPARKIFY_SUBNET_IDS " + strings.Join(s.SubnetIDs, ",") + " and removed by teardown"
	default:
		subnet = "no subnet group: the default VPC, checked to exist first (else set SPARKIFY_SUBNET_GROUP or SPARKIFY_SUBNET_IDS)"
	}
	switch {
	case s.SecurityGroupID != "":
		group = s.SecurityGroupID + " (SPARKIFY_SECURITY_GROUP_ID), checked to be in the cluster's VPC and attached to the cluster"
	case s.wantPublic():
		group = ownName(s.ClusterID) + ", created in the cluster's VPC, attached to the cluster, removed by teardown"
	default:
		group = "none created: no SPARKIFY_INGRESS_CIDR, the cluster keeps its VPC's default group, which the job never changes"
	}
	return []string{
		"network: " + subnet,
		"security group for the ingress rule: " + group,
		"ownership: the job adopts, changes and deletes only resources tagged " + s.tagParam() + "; any other of the same name stops it (exit 2)",
	}
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

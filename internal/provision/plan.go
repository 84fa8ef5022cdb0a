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
	Service string // iam, redshift, ec2 or redshift-serverless
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
			call("ec2", "DescribeSubnets", missing+" and the subnet group too; refuse (exit 2) unless they exist in one VPC", "SubnetIds", strings.Join(s.SubnetIDs, ",")),
		}
	}
	return []Call{call("ec2", "DescribeVpcs", missing+"; refuse (exit 2) when the region has no default VPC: set SPARKIFY_SUBNET_GROUP or SPARKIFY_SUBNET_IDS", "Filter", "is-default=true")}
}

// subnetGroupPlan lists the write that makes the subnet group from
// SPARKIFY_SUBNET_IDS.
func (s Spec) subnetGroupPlan() []Call {
	if len(s.SubnetIDs) == 0 || s.Serverless {
		return nil
	}
	name := s.subnetGroupName()
	return []Call{call("redshift", "CreateClusterSubnetGroup", "when the cluster is missing and the subnet group too", "ClusterSubnetGroupName", name, "SubnetIds", strings.Join(s.SubnetIDs, ","), "Tags", s.tagParam())}
}

// ownGroupReadPlan lists the read of the job's own security group, made
// before any write.
func (s Spec) ownGroupReadPlan() []Call {
	if s.SecurityGroupID != "" || !s.wantIngress() {
		return nil
	}
	return []Call{call("ec2", "DescribeSecurityGroups", "refuse (exit 2) when a group of that name is not tagged "+s.tagParam(), "Filter", "group-name="+ownName(s.ClusterID)+",vpc-id=<the "+s.what()+"'s VPC>")}
}

// securityGroupPlan lists the calls that check or create the security
// group that holds the ingress rule.
func (s Spec) securityGroupPlan() []Call {
	if s.SecurityGroupID != "" {
		return []Call{call("ec2", "DescribeSecurityGroups", "refuse (exit 2) unless it exists in the "+s.what()+"'s VPC", "GroupIds", s.SecurityGroupID)}
	}
	if !s.wantIngress() {
		return nil
	}
	return []Call{
		call("ec2", "CreateSecurityGroup", "when missing; the "+s.what()+"'s own group, never the VPC's default group", "GroupName", ownName(s.ClusterID),
			"VpcId", "<the "+s.what()+"'s VPC>", "TagSpecifications", "security-group:"+s.tagParam()),
	}
}

// ProvisionPlan lists the AWS calls Provision makes, in order, with their
// key parameters and the condition for each write.
func (s Spec) ProvisionPlan() []Call {
	if s.Serverless {
		return s.serverlessProvisionPlan()
	}
	calls := []Call{
		call("redshift", "DescribeClusters", s.ownedWhen()+"; refuse when deleting, final-snapshot, pausing, paused or failed", "ClusterIdentifier", s.ClusterID),
		call("iam", "GetRole", s.ownedWhen(), "RoleName", s.RoleName),
	}
	calls = append(calls, s.networkPlan()...)
	calls = append(calls, s.ownGroupReadPlan()...)
	calls = append(calls, s.subnetGroupPlan()...)
	calls = append(calls, s.rolePlan()...)
	calls = append(calls, s.securityGroupPlan()...)
	return append(calls, s.clusterPlan()...)
}

// rolePlan lists the calls that create or repair the role and its policy.
func (s Spec) rolePlan() []Call {
	role := s.RoleName
	calls := []Call{
		call("iam", "CreateRole", "when the role is missing", "RoleName", role, "AssumeRolePolicyDocument", s.trustPolicy(), "Tags", s.tagParam()),
		call("iam", "UpdateAssumeRolePolicy", "when the trust policy has drifted", "RoleName", role, "PolicyDocument", s.trustPolicy()),
		call("iam", "ListAttachedRolePolicies", "when the role existed", "RoleName", role),
		call("iam", "GetRolePolicy", "when the role existed", "RoleName", role, "PolicyName", InlinePolicyName),
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
	return calls
}

// clusterPlan lists the calls that create or repair the cluster and the
// ingress rule.
func (s Spec) clusterPlan() []Call {
	var calls []Call
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
	if s.SecurityGroupID != "" || s.wantIngress() {
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
	if s.SecurityGroupID != "" || s.wantIngress() {
		modify = append(modify, "VpcSecurityGroupIds", "<its groups>+"+s.groupPlaceholder())
	}
	wait := "polling until available (ClusterStatus available, ClusterAvailabilityStatus Available, nothing pending, roles in-sync), at most " + s.WaitTimeout.String()
	calls = append(calls,
		call("redshift", "CreateCluster", "when the cluster is missing; retried while Redshift does not accept a role younger than "+roleYoungFor.String(), create...),
		call("redshift", "DescribeClusters", wait, "ClusterIdentifier", s.ClusterID),
		call("redshift", "ModifyClusterIamRoles", "when the role is not attached, then wait again; retried while the cluster is busy", "ClusterIdentifier", s.ClusterID, "AddIamRoles", s.planRoleARN()),
		call("redshift", "ModifyCluster", "when public accessibility differs or the group is not attached, then wait again; retried while the cluster is busy", modify...),
	)
	return append(calls, s.ingressPlan()...)
}

// ingressPlan lists the calls that make the job's ingress rules exactly the
// one SPARKIFY_INGRESS_CIDR asks for.
func (s Spec) ingressPlan() []Call {
	calls := []Call{call("ec2", "DescribeSecurityGroupRules", "", "Filter", "tag:"+s.tagParam())}
	if s.wantIngress() {
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
	if s.Serverless {
		return s.serverlessTeardownPlan(now)
	}
	del := []string{"ClusterIdentifier", s.ClusterID, "SkipFinalClusterSnapshot", strconv.FormatBool(s.SkipFinalSnapshot)}
	if !s.SkipFinalSnapshot {
		del = append(del, "FinalClusterSnapshotIdentifier", finalSnapshotID(s.ClusterID, now))
	}
	subnets := ownName(s.ClusterID)
	calls := []Call{
		call("redshift", "DescribeClusters", s.ownedWhen(), "ClusterIdentifier", s.ClusterID),
		call("iam", "GetRole", s.ownedWhen(), "RoleName", s.RoleName),
		call("redshift", "DescribeClusters", "while the cluster is pausing, polling until it is paused", "ClusterIdentifier", s.ClusterID),
		call("redshift", "ResumeCluster", "when paused: Redshift deletes only running clusters", "ClusterIdentifier", s.ClusterID),
		call("redshift", "DeleteCluster", "when the cluster exists and is not already being deleted (deleting, final-snapshot); retried with backoff while AWS refuses it for the cluster's state (InvalidClusterState)", del...),
		call("redshift", "DescribeClusters", "polling until gone (through final-snapshot and deleting), at most "+s.WaitTimeout.String(), "ClusterIdentifier", s.ClusterID),
	}
	calls = append(calls, s.securityGroupTeardownPlan()...)
	calls = append(calls,
		call("redshift", "DescribeClusterSubnetGroups", "", "ClusterSubnetGroupName", subnets),
		call("redshift", "DeleteClusterSubnetGroup", "when it exists and is tagged "+s.tagParam(), "ClusterSubnetGroupName", subnets),
	)
	return append(calls, s.roleTeardownPlan()...)
}

// securityGroupTeardownPlan lists the calls Teardown makes, for a cluster
// or a workgroup, to remove the ingress rules and the security group the
// job created.
func (s Spec) securityGroupTeardownPlan() []Call {
	return []Call{
		call("ec2", "DescribeSecurityGroupRules", "", "Filter", "tag:"+s.tagParam()),
		call("ec2", "RevokeSecurityGroupIngress", "for each rule found", "GroupId", "<its group>", "SecurityGroupRuleIds", "<its id>"),
		call("ec2", "DescribeSecurityGroups", "", "Filter", "tag:"+s.tagParam()),
		call("ec2", "DeleteSecurityGroup", "for each group found named "+ownName(s.ClusterID)+", never SPARKIFY_SECURITY_GROUP_ID; retried while the deleted "+s.what()+"'s network interfaces hold it", "GroupId", "<its id>"),
	}
}

// roleTeardownPlan lists the calls Teardown makes, last, to delete the
// role and its policies.
func (s Spec) roleTeardownPlan() []Call {
	role := s.RoleName
	return []Call{
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
	fmt.Fprintln(w, "dry run: provision, target redshift ("+s.deployment()+"). No AWS API is called.")
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

// deployment names what the job provisions.
func (s Spec) deployment() string {
	if s.Serverless {
		return "serverless: namespace and workgroup " + s.ClusterID
	}
	return "provisioned: cluster " + s.ClusterID
}

// summary says where the cluster goes, which security group holds the
// ingress rule, whether the endpoint is public and what the job adopts.
func (s Spec) summary() []string {
	var subnet, group string
	endpoint := "private: reachable from inside the VPC only (SPARKIFY_PUBLICLY_ACCESSIBLE=false)"
	if s.wantPublic() {
		endpoint = "public (SPARKIFY_PUBLICLY_ACCESSIBLE=true): reachable from the internet where a security group rule admits it"
	}
	switch {
	case s.Serverless && s.SubnetGroup != "":
		subnet = "the subnets of subnet group " + s.SubnetGroup + " (SPARKIFY_SUBNET_GROUP, must exist)"
	case s.Serverless && len(s.SubnetIDs) > 0:
		subnet = "subnets " + strings.Join(s.SubnetIDs, ",") + " (SPARKIFY_SUBNET_IDS), given to the workgroup"
	case s.Serverless:
		subnet = "the default VPC's subnets, checked to exist first (else set SPARKIFY_SUBNET_GROUP or SPARKIFY_SUBNET_IDS)"
	case s.SubnetGroup != "":
		subnet = "subnet group " + s.SubnetGroup + " (SPARKIFY_SUBNET_GROUP, must exist)"
	case len(s.SubnetIDs) > 0:
		subnet = "subnet group " + s.subnetGroupName() + ", created from SPARKIFY_SUBNET_IDS " + strings.Join(s.SubnetIDs, ",") + " and removed by teardown"
	default:
		subnet = "no subnet group: the default VPC, checked to exist first (else set SPARKIFY_SUBNET_GROUP or SPARKIFY_SUBNET_IDS)"
	}
	switch {
	case s.SecurityGroupID != "":
		group = s.SecurityGroupID + " (SPARKIFY_SECURITY_GROUP_ID), checked to be in the " + s.what() + "'s VPC and attached to the " + s.what()
	case s.wantIngress():
		group = ownName(s.ClusterID) + ", created in the " + s.what() + "'s VPC, attached to the " + s.what() + ", removed by teardown"
	default:
		group = "none created: no SPARKIFY_INGRESS_CIDR, the cluster keeps its VPC's default group, which the job never changes"
	}
	return []string{
		"endpoint: " + endpoint,
		"network: " + subnet,
		"security group for the ingress rule: " + group,
		"ownership: the job adopts, changes and deletes only resources tagged " + s.tagParam() + "; any other of the same name stops it (exit 2)",
	}
}

// WriteTeardownPlan writes the dry run of teardown.
func (s Spec) WriteTeardownPlan(w io.Writer, now time.Time) error {
	_, err := fmt.Fprintln(w, "dry run: teardown, target redshift ("+s.deployment()+"). No AWS API is called. A real run makes these calls in order; a call with a [condition] is made only when it holds:")
	writeCalls(w, s.TeardownPlan(now))
	return err
}

func writeCalls(w io.Writer, calls []Call) {
	for _, c := range calls {
		fmt.Fprintln(w, "  "+c.String())
	}
}

// serverlessNetworkPlan lists the reads that find the workgroup's VPC and
// subnets.
func (s Spec) serverlessNetworkPlan() []Call {
	const missing = "when the workgroup is missing"
	switch {
	case s.SubnetGroup != "":
		return []Call{
			call("redshift", "DescribeClusterSubnetGroups", missing+"; its subnets become the workgroup's; refuse (exit 2) when it does not exist", "ClusterSubnetGroupName", s.SubnetGroup),
			call("ec2", "DescribeSubnets", "", "SubnetIds", "<its subnets>"),
		}
	case len(s.SubnetIDs) > 0:
		return []Call{call("ec2", "DescribeSubnets", missing+"; refuse (exit 2) unless they exist in one VPC", "SubnetIds", strings.Join(s.SubnetIDs, ","))}
	}
	return []Call{call("ec2", "DescribeVpcs", missing+"; refuse (exit 2) when the region has no default VPC: set SPARKIFY_SUBNET_GROUP or SPARKIFY_SUBNET_IDS", "Filter", "is-default=true")}
}

func (s Spec) serverlessOwnedPlan() []Call {
	return []Call{
		call("redshift-serverless", "GetWorkgroup", "", "workgroupName", s.ClusterID),
		call("redshift-serverless", "ListTagsForResource", "when the workgroup exists; "+s.ownedWhen(), "resourceArn", "<its ARN>"),
		call("redshift-serverless", "GetNamespace", "", "namespaceName", s.ClusterID),
		call("redshift-serverless", "ListTagsForResource", "when the namespace exists; "+s.ownedWhen(), "resourceArn", "<its ARN>"),
		call("iam", "GetRole", s.ownedWhen(), "RoleName", s.RoleName),
	}
}

// serverlessProvisionPlan lists the calls Provision makes for a Redshift
// Serverless namespace and workgroup.
func (s Spec) serverlessProvisionPlan() []Call {
	calls := s.serverlessOwnedPlan()
	calls = append(calls, s.serverlessNetworkPlan()...)
	calls = append(calls, s.ownGroupReadPlan()...)
	calls = append(calls, s.rolePlan()...)
	calls = append(calls, s.securityGroupPlan()...)
	ns := []string{"namespaceName", s.ClusterID, "dbName", s.DBName, "adminUsername", s.DBUser}
	if s.Password == "" {
		ns = append(ns, "manageAdminPassword", "true")
	} else {
		ns = append(ns, "adminUserPassword", "<SPARKIFY_DB_PASSWORD, not shown>")
	}
	ns = append(ns, "iamRoles", s.planRoleARN(), "defaultIamRoleArn", s.planRoleARN(), "kmsKeyId", "<none: the key AWS owns>", "tags", s.tagParam())
	wg := []string{"workgroupName", s.ClusterID, "namespaceName", s.ClusterID, "baseCapacity", strconv.Itoa(s.BaseRPU),
		"port", strconv.Itoa(s.Port), "publiclyAccessible", strconv.FormatBool(s.wantPublic())}
	if len(s.SubnetIDs) > 0 {
		wg = append(wg, "subnetIds", strings.Join(s.SubnetIDs, ","))
	} else if s.SubnetGroup != "" {
		wg = append(wg, "subnetIds", "<the subnets of "+s.SubnetGroup+">")
	}
	if s.SecurityGroupID != "" || s.wantIngress() {
		wg = append(wg, "securityGroupIds", s.groupPlaceholder())
	}
	wg = append(wg, "tags", s.tagParam())
	untilAvailable := "polling until AVAILABLE, at most " + s.WaitTimeout.String()
	calls = append(calls,
		call("redshift-serverless", "CreateNamespace", "when the namespace is missing; retried while Redshift does not accept a role younger than "+roleYoungFor.String(), ns...),
		call("redshift-serverless", "GetNamespace", untilAvailable, "namespaceName", s.ClusterID),
		call("redshift-serverless", "UpdateNamespace", "when the role is not its default IAM role, then wait again; retried while the namespace is busy", "namespaceName", s.ClusterID, "defaultIamRoleArn", s.planRoleARN()),
		call("redshift-serverless", "CreateWorkgroup", "when the workgroup is missing", wg...),
		call("redshift-serverless", "GetWorkgroup", untilAvailable, "workgroupName", s.ClusterID),
		call("redshift-serverless", "UpdateWorkgroup", "for each of base capacity, public accessibility and the security group that differs, one per call (AWS takes one), waiting after each; retried while the workgroup is busy", "workgroupName", s.ClusterID),
	)
	return append(calls, s.ingressPlan()...)
}

// serverlessTeardownPlan lists the calls Teardown makes for a Redshift
// Serverless namespace and workgroup.
func (s Spec) serverlessTeardownPlan(now time.Time) []Call {
	del := []string{"namespaceName", s.ClusterID}
	if !s.SkipFinalSnapshot {
		del = append(del, "finalSnapshotName", finalSnapshotID(s.ClusterID, now))
	}
	calls := append(s.serverlessOwnedPlan(),
		call("redshift-serverless", "DeleteWorkgroup", "when it exists and is not already DELETING; retried while the workgroup is busy (ConflictException)", "workgroupName", s.ClusterID),
		call("redshift-serverless", "GetWorkgroup", "polling until gone, at most "+s.WaitTimeout.String(), "workgroupName", s.ClusterID),
		call("redshift-serverless", "DeleteNamespace", "when it exists and is not already DELETING; retried while the namespace is busy (ConflictException)", del...),
		call("redshift-serverless", "GetNamespace", "polling until gone, at most "+s.WaitTimeout.String(), "namespaceName", s.ClusterID),
	)
	calls = append(calls, s.securityGroupTeardownPlan()...)
	return append(calls, s.roleTeardownPlan()...)
}

// what names the resource that has the endpoint: cluster or workgroup.
func (s Spec) what() string {
	if s.Serverless {
		return "workgroup"
	}
	return "cluster"
}

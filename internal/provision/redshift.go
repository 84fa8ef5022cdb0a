package provision

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go"
)

// Provision brings the role, its S3 read policy, the cluster and the
// ingress rule to the state s describes, creating what is missing and
// repairing what has drifted, and waits until the cluster is available.
func (a *AWS) Provision(ctx context.Context, s Spec) (Outputs, error) {
	// Look at the cluster first, so that a foreign or dying cluster of the
	// same name stops the run before anything is written.
	existing, err := a.describeCluster(ctx, s.ClusterID)
	if err != nil {
		return Outputs{}, err
	}
	if existing != nil {
		if !clusterOwned(existing) {
			return Outputs{}, notOwned("ClusterID", "Redshift cluster", s.ClusterID)
		}
		switch aws.ToString(existing.ClusterStatus) {
		case "deleting":
			return Outputs{}, fmt.Errorf("cluster %s is being deleted: wait until teardown has finished, then run provision again", s.ClusterID)
		case "paused", "pausing":
			return Outputs{}, fmt.Errorf("cluster %s is paused: resume it (aws redshift resume-cluster --cluster-identifier %s), then run provision again", s.ClusterID, s.ClusterID)
		}
	}
	roleARN, roleCreated, err := a.ensureRole(ctx, s)
	if err != nil {
		return Outputs{}, err
	}
	if err := a.ensureRolePolicy(ctx, s, roleARN); err != nil {
		return Outputs{}, err
	}
	cl, err := a.ensureCluster(ctx, s, existing, roleARN, roleCreated)
	if err != nil {
		return Outputs{}, err
	}
	if err := a.ensureIngress(ctx, s, cl); err != nil {
		return Outputs{}, err
	}
	if cl.Endpoint == nil || aws.ToString(cl.Endpoint.Address) == "" {
		return Outputs{}, fmt.Errorf("cluster %s is available but has no endpoint", s.ClusterID)
	}
	host := aws.ToString(cl.Endpoint.Address)
	port := int(aws.ToInt32(cl.Endpoint.Port))
	if port == 0 {
		port = s.Port
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(aws.ToString(cl.MasterUsername)),
		Host:     host + ":" + strconv.Itoa(port),
		Path:     "/" + aws.ToString(cl.DBName),
		RawQuery: "sslmode=require",
	}
	out := Outputs{
		DatabaseURL:       u.String(),
		RoleARN:           roleARN,
		Endpoint:          host,
		Port:              port,
		PasswordSecretARN: aws.ToString(cl.MasterPasswordSecretArn),
	}
	a.Log.Info("provisioned", "cluster", s.ClusterID, "endpoint", host, "port", port, "role", roleARN)
	return out, nil
}

// getRole returns the role, or nil when it does not exist.
func (a *AWS) getRole(ctx context.Context, name string) (*iamtypes.Role, error) {
	out, err := a.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if isNoSuchEntity(err) {
		return nil, nil
	}
	if err != nil {
		return nil, callError("GetRole", err)
	}
	return out.Role, nil
}

func roleOwned(r *iamtypes.Role) bool {
	return slices.ContainsFunc(r.Tags, func(t iamtypes.Tag) bool { return aws.ToString(t.Key) == TagKey })
}

func notOwned(setting, what, name string) error {
	return &SettingError{Setting: setting, Msg: fmt.Sprintf("%s %q exists but was not created by this job (it has no %s tag): choose another name, or tag it %s=<cluster id> to let the job manage it", what, name, TagKey, TagKey)}
}

// ensureRole creates the role or repairs its trust policy. It returns the
// role's ARN and whether this run created it.
func (a *AWS) ensureRole(ctx context.Context, s Spec) (string, bool, error) {
	role, err := a.getRole(ctx, s.RoleName)
	if err != nil {
		return "", false, err
	}
	trust := trustPolicy()
	if role == nil {
		a.Log.Info("creating IAM role", "role", s.RoleName)
		out, err := a.IAM.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(s.RoleName),
			AssumeRolePolicyDocument: aws.String(trust),
			Description:              aws.String("Lets Redshift cluster " + s.ClusterID + " read the Sparkify source data in S3"),
			Tags:                     []iamtypes.Tag{{Key: aws.String(TagKey), Value: aws.String(s.ClusterID)}},
		})
		if err != nil {
			return "", false, callError("CreateRole", err)
		}
		return aws.ToString(out.Role.Arn), true, nil
	}
	if !roleOwned(role) {
		return "", false, notOwned("IAMRoleName", "IAM role", s.RoleName)
	}
	if !samePolicy(aws.ToString(role.AssumeRolePolicyDocument), trust) {
		a.Log.Warn("repairing the role's trust policy", "role", s.RoleName)
		if _, err := a.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
			RoleName: aws.String(s.RoleName), PolicyDocument: aws.String(trust),
		}); err != nil {
			return "", false, callError("UpdateAssumeRolePolicy", err)
		}
	} else {
		a.Log.Info("IAM role exists", "role", s.RoleName)
	}
	return aws.ToString(role.Arn), false, nil
}

// ensureRolePolicy gives the role exactly one way to read S3: the inline
// policy limited to the source buckets, or the managed read-only policy.
// It removes the other one, left by a run with the other setting.
func (a *AWS) ensureRolePolicy(ctx context.Context, s Spec, roleARN string) error {
	partition := partitionOf(roleARN)
	managedARN := managedPolicyARN(partition)
	attached, err := a.IAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(s.RoleName)})
	if err != nil {
		return callError("ListAttachedRolePolicies", err)
	}
	hasManaged := slices.ContainsFunc(attached.AttachedPolicies, func(p iamtypes.AttachedPolicy) bool {
		return aws.ToString(p.PolicyArn) == managedARN
	})
	inline, err := a.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyName: aws.String(InlinePolicyName)})
	hasInline := err == nil
	if err != nil && !isNoSuchEntity(err) {
		return callError("GetRolePolicy", err)
	}
	if s.ManagedPolicy {
		if !hasManaged {
			a.Log.Info("attaching the managed policy", "role", s.RoleName, "policy", managedARN)
			if _, err := a.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyArn: aws.String(managedARN)}); err != nil {
				return callError("AttachRolePolicy", err)
			}
		}
		if hasInline {
			a.Log.Info("removing the inline policy: SPARKIFY_IAM_MANAGED_POLICY=true replaces it", "role", s.RoleName, "policy", InlinePolicyName)
			if _, err := a.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyName: aws.String(InlinePolicyName)}); err != nil {
				return callError("DeleteRolePolicy", err)
			}
		}
		return nil
	}
	doc := readPolicy(partition, s.Buckets)
	switch {
	case !hasInline:
		a.Log.Info("putting the S3 read policy", "role", s.RoleName, "policy", InlinePolicyName, "buckets", s.Buckets)
	case !samePolicy(aws.ToString(inline.PolicyDocument), doc):
		a.Log.Warn("repairing the S3 read policy", "role", s.RoleName, "policy", InlinePolicyName, "buckets", s.Buckets)
	default:
		doc = ""
	}
	if doc != "" {
		if _, err := a.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(s.RoleName), PolicyName: aws.String(InlinePolicyName), PolicyDocument: aws.String(doc),
		}); err != nil {
			return callError("PutRolePolicy", err)
		}
	}
	if hasManaged {
		a.Log.Info("detaching the managed policy: the inline policy replaces it", "role", s.RoleName, "policy", managedARN)
		if _, err := a.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyArn: aws.String(managedARN)}); err != nil {
			return callError("DetachRolePolicy", err)
		}
	}
	return nil
}

// describeCluster returns the cluster, or nil when it does not exist.
func (a *AWS) describeCluster(ctx context.Context, id string) (*rstypes.Cluster, error) {
	out, err := a.Redshift.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(id)})
	if isClusterNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, callError("DescribeClusters", err)
	}
	if len(out.Clusters) == 0 {
		return nil, nil
	}
	return &out.Clusters[0], nil
}

func clusterOwned(c *rstypes.Cluster) bool {
	return slices.ContainsFunc(c.Tags, func(t rstypes.Tag) bool { return aws.ToString(t.Key) == TagKey })
}

func (a *AWS) createClusterInput(s Spec, roleARN string) *redshift.CreateClusterInput {
	in := &redshift.CreateClusterInput{
		ClusterIdentifier:  aws.String(s.ClusterID),
		NodeType:           aws.String(s.NodeType),
		ClusterType:        aws.String("single-node"),
		DBName:             aws.String(s.DBName),
		MasterUsername:     aws.String(s.DBUser),
		Port:               aws.Int32(int32(s.Port)),
		Encrypted:          aws.Bool(true),
		IamRoles:           []string{roleARN},
		PubliclyAccessible: aws.Bool(s.wantPublic()),
		Tags:               []rstypes.Tag{{Key: aws.String(TagKey), Value: aws.String(s.ClusterID)}},
	}
	if !s.singleNode() {
		in.ClusterType = aws.String("multi-node")
		in.NumberOfNodes = aws.Int32(int32(s.NodeCount))
	}
	if s.Password == "" {
		in.ManageMasterPassword = aws.Bool(true)
	} else {
		in.MasterUserPassword = aws.String(s.Password.reveal())
	}
	if s.SecurityGroupID != "" {
		in.VpcSecurityGroupIds = []string{s.SecurityGroupID}
	}
	return in
}

// roleSettleAttempts is how many times CreateCluster is tried while IAM
// propagates a role created moments before.
const roleSettleAttempts = 6

// createCluster calls CreateCluster. When this run has just created the
// role, Redshift may not see it yet and reject it as an invalid parameter;
// that is retried a few times, RoleSettleDelay apart.
func (a *AWS) createCluster(ctx context.Context, s Spec, roleARN string, roleCreated bool) error {
	delay := a.RoleSettleDelay
	if delay <= 0 {
		delay = 10 * time.Second
	}
	in := a.createClusterInput(s, roleARN)
	for attempt := 1; ; attempt++ {
		_, err := a.Redshift.CreateCluster(ctx, in)
		if err == nil {
			return nil
		}
		if !roleCreated || attempt == roleSettleAttempts || !roleNotSeen(err) {
			return callError("CreateCluster", err)
		}
		a.Log.Info("Redshift does not see the new IAM role yet; retrying", "cluster", s.ClusterID, "attempt", attempt, "delay", delay.String())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// roleNotSeen tells whether CreateCluster failed because Redshift does not
// see the IAM role yet. The SDK has no type for that refusal (CreateCluster
// does not model InvalidParameterValue): it is the generic API error with
// that code, and only its message names the role.
func roleNotSeen(err error) bool {
	ae, ok := errors.AsType[smithy.APIError](err)
	return ok && ae.ErrorCode() == "InvalidParameterValue" && strings.Contains(strings.ToLower(ae.ErrorMessage()), "role")
}

// ensureCluster creates the cluster unless cl (looked up by Provision)
// exists, waits until it is available and repairs its role and public
// accessibility.
func (a *AWS) ensureCluster(ctx context.Context, s Spec, cl *rstypes.Cluster, roleARN string, roleCreated bool) (*rstypes.Cluster, error) {
	var err error
	if cl == nil {
		password := "from SPARKIFY_DB_PASSWORD"
		if s.Password == "" {
			password = "managed by AWS Secrets Manager"
		}
		a.Log.Info("creating the Redshift cluster; this takes several minutes", "cluster", s.ClusterID,
			"node_type", s.NodeType, "nodes", s.NodeCount, "publicly_accessible", s.wantPublic(), "password", password)
		if err := a.createCluster(ctx, s, roleARN, roleCreated); err != nil {
			return nil, err
		}
	} else {
		a.Log.Info("Redshift cluster exists", "cluster", s.ClusterID, "status", aws.ToString(cl.ClusterStatus))
		a.warnDifferences(s, cl)
	}
	if cl == nil || aws.ToString(cl.ClusterStatus) != "available" {
		if cl, err = a.waitAvailable(ctx, s); err != nil {
			return nil, err
		}
	}
	// Each modification puts the cluster in "modifying": wait after each.
	if !slices.ContainsFunc(cl.IamRoles, func(r rstypes.ClusterIamRole) bool { return aws.ToString(r.IamRoleArn) == roleARN }) {
		a.Log.Warn("repairing the cluster: attaching the IAM role", "cluster", s.ClusterID, "role", roleARN)
		if _, err := a.Redshift.ModifyClusterIamRoles(ctx, &redshift.ModifyClusterIamRolesInput{
			ClusterIdentifier: aws.String(s.ClusterID), AddIamRoles: []string{roleARN},
		}); err != nil {
			return nil, callError("ModifyClusterIamRoles", err)
		}
		if cl, err = a.waitAvailable(ctx, s); err != nil {
			return nil, err
		}
	}
	if aws.ToBool(cl.PubliclyAccessible) != s.wantPublic() {
		a.Log.Warn("repairing the cluster: public accessibility follows SPARKIFY_INGRESS_CIDR", "cluster", s.ClusterID, "publicly_accessible", s.wantPublic())
		if _, err := a.Redshift.ModifyCluster(ctx, &redshift.ModifyClusterInput{
			ClusterIdentifier: aws.String(s.ClusterID), PubliclyAccessible: aws.Bool(s.wantPublic()),
		}); err != nil {
			return nil, callError("ModifyCluster", err)
		}
		if cl, err = a.waitAvailable(ctx, s); err != nil {
			return nil, err
		}
	}
	return cl, nil
}

// warnDifferences logs settings of an existing cluster that differ from the
// configuration and that provision does not change, because changing them
// means a resize, a migration or a new cluster.
func (a *AWS) warnDifferences(s Spec, cl *rstypes.Cluster) {
	diff := func(what, have, want string) {
		if have != want {
			a.Log.Warn("the existing cluster differs from the configuration; provision leaves it as it is (resize it, or tear it down and provision again)",
				"cluster", s.ClusterID, "setting", what, "have", have, "want", want)
		}
	}
	diff("node type", aws.ToString(cl.NodeType), s.NodeType)
	diff("node count", strconv.Itoa(int(aws.ToInt32(cl.NumberOfNodes))), strconv.Itoa(s.NodeCount))
	diff("database", aws.ToString(cl.DBName), s.DBName)
	diff("master user", aws.ToString(cl.MasterUsername), s.DBUser)
	diff("encrypted", strconv.FormatBool(aws.ToBool(cl.Encrypted)), "true")
}

// ownRules returns the ingress rules this job added for the cluster.
func (a *AWS) ownRules(ctx context.Context, clusterID string) ([]ec2types.SecurityGroupRule, error) {
	var rules []ec2types.SecurityGroupRule
	p := ec2.NewDescribeSecurityGroupRulesPaginator(a.EC2, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("tag:" + TagKey), Values: []string{clusterID}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, callError("DescribeSecurityGroupRules", err)
		}
		for _, r := range page.SecurityGroupRules {
			if !aws.ToBool(r.IsEgress) {
				rules = append(rules, r)
			}
		}
	}
	return rules, nil
}

func (a *AWS) revokeRule(ctx context.Context, r ec2types.SecurityGroupRule) error {
	_, err := a.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupId: r.GroupId, SecurityGroupRuleIds: []string{aws.ToString(r.SecurityGroupRuleId)},
	})
	switch errorCode(err) {
	case "":
		return nil
	case "InvalidSecurityGroupRuleId.NotFound", "InvalidGroup.NotFound", "InvalidPermission.NotFound":
		return nil
	}
	return callError("RevokeSecurityGroupIngress", err)
}

func ruleCIDR(r ec2types.SecurityGroupRule) string {
	if v := aws.ToString(r.CidrIpv4); v != "" {
		return v
	}
	return aws.ToString(r.CidrIpv6)
}

// ensureIngress makes the rules this job added for the cluster exactly the
// one SPARKIFY_INGRESS_CIDR asks for: it revokes the others (an earlier
// CIDR, or any when ingress is no longer requested) and adds it if missing.
func (a *AWS) ensureIngress(ctx context.Context, s Spec, cl *rstypes.Cluster) error {
	rules, err := a.ownRules(ctx, s.ClusterID)
	if err != nil {
		return err
	}
	group := s.SecurityGroupID
	if group == "" && s.wantPublic() {
		for _, g := range cl.VpcSecurityGroups {
			if id := aws.ToString(g.VpcSecurityGroupId); id != "" {
				group = id
				break
			}
		}
		if group == "" {
			return &SettingError{Setting: "SecurityGroupID", Msg: fmt.Sprintf("cluster %s has no VPC security group to add the ingress rule to: set {SecurityGroupID}", s.ClusterID)}
		}
	}
	want := s.Ingress.String()
	port := int32(s.Port)
	if cl.Endpoint != nil && cl.Endpoint.Port != nil {
		port = *cl.Endpoint.Port
	}
	found := false
	for _, r := range rules {
		if s.wantPublic() && aws.ToString(r.GroupId) == group && aws.ToString(r.IpProtocol) == "tcp" &&
			aws.ToInt32(r.FromPort) == port && aws.ToInt32(r.ToPort) == port && ruleCIDR(r) == want {
			found = true
			continue
		}
		a.Log.Warn("revoking an ingress rule this job added that the configuration no longer asks for",
			"group", aws.ToString(r.GroupId), "rule", aws.ToString(r.SecurityGroupRuleId), "cidr", ruleCIDR(r))
		if err := a.revokeRule(ctx, r); err != nil {
			return err
		}
	}
	if !s.wantPublic() {
		return nil
	}
	if found {
		a.Log.Info("ingress rule exists", "group", group, "cidr", want, "port", port)
		return nil
	}
	a.Log.Info("authorizing ingress on the cluster port", "group", group, "cidr", want, "port", port)
	perm := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
	desc := aws.String("Sparkify warehouse: Redshift cluster " + s.ClusterID)
	if s.Ingress.Addr().Is4() {
		perm.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(want), Description: desc}}
	} else {
		perm.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(want), Description: desc}}
	}
	_, err = a.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId:       aws.String(group),
		IpPermissions: []ec2types.IpPermission{perm},
		TagSpecifications: []ec2types.TagSpecification{{
			ResourceType: ec2types.ResourceTypeSecurityGroupRule,
			Tags:         []ec2types.Tag{{Key: aws.String(TagKey), Value: aws.String(s.ClusterID)}},
		}},
	})
	if errorCode(err) == "InvalidPermission.Duplicate" {
		a.Log.Info("the security group already allows this CIDR through a rule this job did not add; leaving it", "group", group, "cidr", want)
		return nil
	}
	if err != nil {
		return callError("AuthorizeSecurityGroupIngress", err)
	}
	return nil
}

// Teardown deletes the cluster (with a final snapshot unless
// s.SkipFinalSnapshot), waits until it is gone, revokes the ingress rules
// this job added, and deletes the role with its policies. What does not
// exist is skipped, so tearing down nothing succeeds.
func (a *AWS) Teardown(ctx context.Context, s Spec) error {
	// Check both before deleting either, so that a foreign role or cluster
	// of the same name stops the run before anything is deleted.
	cl, err := a.describeCluster(ctx, s.ClusterID)
	if err != nil {
		return err
	}
	if cl != nil && !clusterOwned(cl) {
		return notOwned("ClusterID", "Redshift cluster", s.ClusterID)
	}
	role, err := a.getRole(ctx, s.RoleName)
	if err != nil {
		return err
	}
	if role != nil && !roleOwned(role) {
		return notOwned("IAMRoleName", "IAM role", s.RoleName)
	}
	if err := a.deleteCluster(ctx, s, cl); err != nil {
		return err
	}
	rules, err := a.ownRules(ctx, s.ClusterID)
	if err != nil {
		return err
	}
	for _, r := range rules {
		a.Log.Info("revoking ingress rule", "group", aws.ToString(r.GroupId), "rule", aws.ToString(r.SecurityGroupRuleId), "cidr", ruleCIDR(r))
		if err := a.revokeRule(ctx, r); err != nil {
			return err
		}
	}
	if role == nil {
		a.Log.Info("no IAM role to delete", "role", s.RoleName)
		return nil
	}
	return a.deleteRole(ctx, s)
}

// deleteCluster deletes cl (looked up by Teardown) and waits until it is
// gone.
func (a *AWS) deleteCluster(ctx context.Context, s Spec, cl *rstypes.Cluster) error {
	if cl == nil {
		a.Log.Info("no Redshift cluster to delete", "cluster", s.ClusterID)
		return nil
	}
	status := aws.ToString(cl.ClusterStatus)
	if status != "deleting" {
		switch status {
		case "creating", "modifying", "rebooting", "resizing", "renaming":
			a.Log.Info("the cluster is busy; waiting until it is available before deleting it", "cluster", s.ClusterID, "status", status)
			if _, err := a.waitAvailable(ctx, s); err != nil {
				return err
			}
		}
		in := &redshift.DeleteClusterInput{ClusterIdentifier: aws.String(s.ClusterID), SkipFinalClusterSnapshot: aws.Bool(s.SkipFinalSnapshot)}
		if !s.SkipFinalSnapshot {
			in.FinalClusterSnapshotIdentifier = aws.String(finalSnapshotID(s.ClusterID, a.now()))
		}
		a.Log.Info("deleting the Redshift cluster", "cluster", s.ClusterID,
			"final_snapshot", aws.ToString(in.FinalClusterSnapshotIdentifier))
		if _, err := a.Redshift.DeleteCluster(ctx, in); err != nil {
			if isClusterNotFound(err) {
				return nil
			}
			return callError("DeleteCluster", err)
		}
	}
	_, err := a.waitCluster(ctx, s, untilDeleted)
	return err
}

// finalSnapshotID names the final snapshot after the cluster and the time,
// so that each teardown's snapshot is kept.
func finalSnapshotID(clusterID string, t time.Time) string {
	return clusterID + "-final-" + t.UTC().Format("20060102-150405")
}

// deleteRole removes the role's inline and attached policies, then the
// role. Policies or a role that vanish meanwhile are not an error.
func (a *AWS) deleteRole(ctx context.Context, s Spec) error {
	inline := iam.NewListRolePoliciesPaginator(a.IAM, &iam.ListRolePoliciesInput{RoleName: aws.String(s.RoleName)})
	for inline.HasMorePages() {
		page, err := inline.NextPage(ctx)
		if err != nil {
			return callError("ListRolePolicies", err)
		}
		for _, name := range page.PolicyNames {
			a.Log.Info("deleting inline policy", "role", s.RoleName, "policy", name)
			if _, err := a.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyName: aws.String(name)}); err != nil && !isNoSuchEntity(err) {
				return callError("DeleteRolePolicy", err)
			}
		}
	}
	attached := iam.NewListAttachedRolePoliciesPaginator(a.IAM, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(s.RoleName)})
	for attached.HasMorePages() {
		page, err := attached.NextPage(ctx)
		if err != nil {
			return callError("ListAttachedRolePolicies", err)
		}
		for _, p := range page.AttachedPolicies {
			a.Log.Info("detaching policy", "role", s.RoleName, "policy", aws.ToString(p.PolicyArn))
			if _, err := a.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyArn: p.PolicyArn}); err != nil && !isNoSuchEntity(err) {
				return callError("DetachRolePolicy", err)
			}
		}
	}
	a.Log.Info("deleting IAM role", "role", s.RoleName)
	if _, err := a.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(s.RoleName)}); err != nil && !isNoSuchEntity(err) {
		return callError("DeleteRole", err)
	}
	return nil
}

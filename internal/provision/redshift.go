package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// Provision brings the role, its S3 read policy, the subnet group, the
// security group, the cluster and the ingress rule to the state s describes,
// creating what is missing and repairing what has drifted, and waits until
// the cluster is available. It adopts only resources tagged TagKey with the
// cluster's identifier as value.
func (a *AWS) Provision(ctx context.Context, s Spec) (Outputs, error) {
	if s.Serverless {
		return a.provisionServerless(ctx, s)
	}
	st, err := a.readCluster(ctx, s)
	if err != nil {
		return Outputs{}, err
	}
	if st.cluster == nil && len(s.SubnetIDs) > 0 {
		if err := a.ensureSubnetGroup(ctx, s, st.subnets); err != nil {
			return Outputs{}, err
		}
	}
	role, group, err := a.ensureRoleAndGroup(ctx, s, st.role, st.vpc, st.ownGroup)
	if err != nil {
		return Outputs{}, err
	}
	cl, err := a.ensureCluster(ctx, s, st.cluster, role, group)
	if err != nil {
		return Outputs{}, err
	}
	port := int32(s.Port)
	if cl.Endpoint != nil && cl.Endpoint.Port != nil {
		port = *cl.Endpoint.Port
	}
	if err := a.ensureIngress(ctx, s, port, group); err != nil {
		return Outputs{}, err
	}
	if cl.Endpoint == nil || aws.ToString(cl.Endpoint.Address) == "" {
		return Outputs{}, fmt.Errorf("cluster %s is available but has no endpoint", s.ClusterID)
	}
	host := aws.ToString(cl.Endpoint.Address)
	a.Log.Info("provisioned", "cluster", s.ClusterID, "endpoint", host, "port", port, "role", role.arn)
	return endpoint{host: host, port: port, user: aws.ToString(cl.MasterUsername), dbName: aws.ToString(cl.DBName), query: "sslmode=verify-full&sslrootcert=system"}.
		outputs(role.arn, aws.ToString(cl.MasterPasswordSecretArn)), nil
}

// clusterResources are what Provision reads before it writes anything.
type clusterResources struct {
	cluster  *rstypes.Cluster            // nil: none yet
	role     *iamtypes.Role              // nil: none yet
	subnets  *rstypes.ClusterSubnetGroup // the job's own subnet group, when it makes one and it exists
	vpc      string                      // the VPC the cluster is or goes in
	ownGroup *ec2types.SecurityGroup     // the job's own security group, when it exists
}

// readCluster reads every resource whose owner decides: a foreign or dying
// cluster, or a foreign role, subnet group or security group, stops the run
// before anything is created.
func (a *AWS) readCluster(ctx context.Context, s Spec) (clusterResources, error) {
	var st clusterResources
	var err error
	// The cluster first, so that a foreign or dying cluster of the same
	// name stops the run before anything else is read.
	if st.cluster, err = a.describeCluster(ctx, s.ClusterID); err != nil {
		return st, err
	}
	if st.cluster != nil {
		if err := checkOwner(s, "ClusterID", "Redshift cluster", s.ClusterID, clusterTag(st.cluster.Tags)); err != nil {
			return st, err
		}
		status := aws.ToString(st.cluster.ClusterStatus)
		if hint, stop := stopHints[status]; stop {
			return st, fmt.Errorf("cluster %s is %q: %s", s.ClusterID, status, strings.ReplaceAll(hint, "<id>", s.ClusterID))
		}
	}
	if st.role, err = a.getRole(ctx, s.RoleName); err != nil {
		return st, err
	}
	if st.role != nil {
		if err := checkOwner(s, "IAMRoleName", "IAM role", s.RoleName, roleTag(st.role.Tags)); err != nil {
			return st, err
		}
	}
	if st.cluster == nil && len(s.SubnetIDs) > 0 {
		if st.subnets, err = a.ownSubnetGroup(ctx, s); err != nil {
			return st, err
		}
	}
	if st.vpc, err = a.clusterVPC(ctx, s, st.cluster, st.subnets); err != nil {
		return st, err
	}
	st.ownGroup, err = a.readOwnSecurityGroup(ctx, s, st.vpc)
	return st, err
}

// owner is the value of a resource's TagKey tag; tagged is false when the
// tag is missing.
type owner struct {
	value  string
	tagged bool
}

// tagOwner reads the TagKey tag of tags; kv returns a tag's key and value
// (each AWS service has its own Tag type). Keys are unique on a resource.
func tagOwner[T any](tags []T, kv func(T) (key, value *string)) owner {
	for _, t := range tags {
		if k, v := kv(t); aws.ToString(k) == TagKey {
			return owner{aws.ToString(v), true}
		}
	}
	return owner{}
}

func clusterTag(tags []rstypes.Tag) owner {
	return tagOwner(tags, func(t rstypes.Tag) (*string, *string) { return t.Key, t.Value })
}

func roleTag(tags []iamtypes.Tag) owner {
	return tagOwner(tags, func(t iamtypes.Tag) (*string, *string) { return t.Key, t.Value })
}

// checkOwner refuses a resource that is not tagged TagKey=<s.ClusterID>:
// one this job did not create, or one it created for another cluster.
func checkOwner(s Spec, setting, what, name string, o owner) error {
	switch {
	case o.tagged && o.value == s.ClusterID:
		return nil
	case o.tagged:
		return &SettingError{Setting: setting, Msg: fmt.Sprintf("%s %q belongs to cluster %q (tag %s=%s), not to cluster %q: give this cluster its own {%s}", what, name, o.value, TagKey, o.value, s.ClusterID, setting)}
	}
	return &SettingError{Setting: setting, Msg: fmt.Sprintf("%s %q exists but was not created by this job (it has no %s tag): choose another name, or tag it %s=%s to let the job manage it", what, name, TagKey, TagKey, s.ClusterID)}
}

// getRole returns the role, or nil when it does not exist.
func (a *AWS) getRole(ctx context.Context, name string) (*iamtypes.Role, error) {
	out, err := a.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	return lookup("GetRole", err, isNoSuchEntity, func() *iamtypes.Role { return out.Role })
}

// ensureRoleAndGroup brings the role (role as read, nil when missing), its
// S3 read policy and the security group in vpc (own, the job's own group as
// read) to the state s describes, for a cluster or a workgroup, and returns
// the role and the group's id.
func (a *AWS) ensureRoleAndGroup(ctx context.Context, s Spec, role *iamtypes.Role, vpc string, own *ec2types.SecurityGroup) (roleInfo, string, error) {
	r, err := a.ensureRole(ctx, s, role)
	if err != nil {
		return roleInfo{}, "", err
	}
	if err := a.ensureRolePolicy(ctx, s, r); err != nil {
		return roleInfo{}, "", err
	}
	group, err := a.ensureSecurityGroup(ctx, s, vpc, own)
	return r, group, err
}

// roleInfo is the role provision works with.
type roleInfo struct {
	arn     string
	created time.Time // its CreateDate
	new     bool      // this run created it
}

// roleYoungFor is how long after its creation a role may still be unknown
// to Redshift or missing from IAM's reads: IAM is eventually consistent.
const roleYoungFor = 15 * time.Minute

// young reports whether IAM may still be propagating the role.
func (a *AWS) young(r roleInfo) bool { return a.now().Sub(r.created) < roleYoungFor }

// iamReadAttempts is how many times a read of a young role is tried while
// IAM answers that it does not exist.
const iamReadAttempts = 5

func (a *AWS) settleDelay() time.Duration {
	if a.RoleSettleDelay > 0 {
		return a.RoleSettleDelay
	}
	return 10 * time.Second
}

// whileIAMLags runs read again, a few times (iamReadAttempts, RoleSettleDelay
// apart), while IAM answers NoSuchEntity for a role that is young: IAM is
// eventually consistent, and a read, PutRolePolicy or AttachRolePolicy right
// after CreateRole may not find the role yet.
func (a *AWS) whileIAMLags(ctx context.Context, young bool, op string, read func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := read(ctx)
		if err == nil || !young || attempt == iamReadAttempts || !isNoSuchEntity(err) {
			return err
		}
		a.Log.Info("IAM does not show the new role yet; retrying", "op", op, "attempt", attempt)
		if err := sleep(ctx, a.settleDelay()); err != nil {
			return err
		}
	}
}

// ensureRole creates the role or repairs the trust policy of role, the
// role as read (and its owner checked) before the run's first write.
func (a *AWS) ensureRole(ctx context.Context, s Spec, role *iamtypes.Role) (roleInfo, error) {
	trust := s.trustPolicy()
	if role == nil {
		a.Log.Info("creating IAM role", "role", s.RoleName)
		out, err := a.IAM.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(s.RoleName),
			AssumeRolePolicyDocument: aws.String(trust),
			Description:              aws.String("Lets Redshift cluster " + s.ClusterID + " read the Sparkify source data in S3"),
			Tags:                     []iamtypes.Tag{{Key: aws.String(TagKey), Value: aws.String(s.ClusterID)}},
		})
		if _, exists := errors.AsType[*iamtypes.EntityAlreadyExistsException](err); exists {
			// GetRole did not see a role created moments ago: read again.
			if role, err = a.readNewRole(ctx, s.RoleName); err != nil {
				return roleInfo{}, err
			}
		} else if err != nil {
			return roleInfo{}, callError("CreateRole", err)
		} else {
			created := aws.ToTime(out.Role.CreateDate)
			if created.IsZero() {
				created = a.now()
			}
			return roleInfo{arn: aws.ToString(out.Role.Arn), created: created, new: true}, nil
		}
	}
	if err := checkOwner(s, "IAMRoleName", "IAM role", s.RoleName, roleTag(role.Tags)); err != nil {
		return roleInfo{}, err
	}
	if !samePolicy(aws.ToString(role.AssumeRolePolicyDocument), trust) {
		a.Log.Warn("repairing the role's trust policy", "role", s.RoleName)
		if _, err := a.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
			RoleName: aws.String(s.RoleName), PolicyDocument: aws.String(trust),
		}); err != nil {
			return roleInfo{}, callError("UpdateAssumeRolePolicy", err)
		}
	} else {
		a.Log.Info("IAM role exists", "role", s.RoleName)
	}
	return roleInfo{arn: aws.ToString(role.Arn), created: aws.ToTime(role.CreateDate)}, nil
}

// readNewRole reads a role that CreateRole says exists but GetRole did not
// show: it retries while IAM's reads lag.
func (a *AWS) readNewRole(ctx context.Context, name string) (*iamtypes.Role, error) {
	var role *iamtypes.Role
	err := a.whileIAMLags(ctx, true, "GetRole", func(ctx context.Context) error {
		out, err := a.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if err == nil {
			role = out.Role
		}
		return err
	})
	if err != nil {
		return nil, callError("GetRole", err)
	}
	return role, nil
}

// ensureRolePolicy gives the role exactly one way to read S3: the inline
// policy limited to the source buckets, or the managed read-only policy.
// It removes the other one, left by a run with the other setting.
func (a *AWS) ensureRolePolicy(ctx context.Context, s Spec, role roleInfo) error {
	partition := partitionOf(role.arn)
	managedARN := managedPolicyARN(partition)
	// A role this run created has no policies yet, and IAM may not even
	// show it to reads: nothing to look up.
	var (
		hasManaged, hasInline bool
		inline                = &iam.GetRolePolicyOutput{}
	)
	if !role.new {
		var attached *iam.ListAttachedRolePoliciesOutput
		err := a.whileIAMLags(ctx, a.young(role), "ListAttachedRolePolicies", func(ctx context.Context) error {
			var err error
			attached, err = a.IAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(s.RoleName)})
			return err
		})
		if err != nil {
			return callError("ListAttachedRolePolicies", err)
		}
		hasManaged = slices.ContainsFunc(attached.AttachedPolicies, func(p iamtypes.AttachedPolicy) bool {
			return aws.ToString(p.PolicyArn) == managedARN
		})
		inline, err = a.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyName: aws.String(InlinePolicyName)})
		hasInline = err == nil
		if err != nil && !isNoSuchEntity(err) {
			return callError("GetRolePolicy", err)
		}
	}
	if s.ManagedPolicy {
		if !hasManaged {
			a.Log.Info("attaching the managed policy", "role", s.RoleName, "policy", managedARN)
			err := a.whileIAMLags(ctx, a.young(role), "AttachRolePolicy", func(ctx context.Context) error {
				_, err := a.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(s.RoleName), PolicyArn: aws.String(managedARN)})
				return err
			})
			if err != nil {
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
		err := a.whileIAMLags(ctx, a.young(role), "PutRolePolicy", func(ctx context.Context) error {
			_, err := a.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
				RoleName: aws.String(s.RoleName), PolicyName: aws.String(InlinePolicyName), PolicyDocument: aws.String(doc),
			})
			return err
		})
		if err != nil {
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
	return lookup("DescribeClusters", err, isClusterNotFound, func() *rstypes.Cluster { return first(out.Clusters) })
}

func (a *AWS) createClusterInput(s Spec, roleARN, group string) *redshift.CreateClusterInput {
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
	if group != "" {
		in.VpcSecurityGroupIds = []string{group}
	}
	if name := s.subnetGroupName(); name != "" {
		in.ClusterSubnetGroupName = aws.String(name)
	}
	if s.DualStack {
		in.IpAddressType = aws.String("dualstack")
	}
	return in
}

// roleSettleAttempts is how many times CreateCluster or
// ModifyClusterIamRoles is tried while Redshift does not accept a young role.
const roleSettleAttempts = 6

// whileRoleSettles runs call again, RoleSettleDelay apart, while AWS
// refuses it because it cannot use the role yet (roleNotReady) and the
// role is young: Redshift cannot assume a role until IAM has propagated
// it, and the job policy's PassRole condition on the role's tag may not
// see the tag of a role created moments ago.
func (a *AWS) whileRoleSettles(ctx context.Context, s Spec, role roleInfo, op string, call func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil || !a.young(role) || attempt == roleSettleAttempts || !roleNotReady(err) {
			return err
		}
		a.Log.Info("Redshift does not accept the young IAM role yet; retrying", "cluster", s.ClusterID, "op", op,
			"role_age", a.now().Sub(role.created).Round(time.Second).String(), "attempt", attempt, "delay", a.settleDelay().String(), "aws", errorMessage(err))
		if err := sleep(ctx, a.settleDelay()); err != nil {
			return err
		}
	}
}

// roleNotReady tells whether AWS refused a call naming a role because it
// cannot use the role yet: Redshift's InvalidParameterValue (the refusal
// has no type of its own: CreateCluster does not model it, so the code and
// the role's age decide, not the message), Redshift Serverless's
// ValidationException about the role, or a PassRole denial.
func roleNotReady(err error) bool {
	switch errorCode(err) {
	case "InvalidParameterValue":
		return true
	case "ValidationException":
		return strings.Contains(errorMessage(err), "IAM role")
	}
	return passRoleDenied(err)
}

// passRoleDenied tells whether AWS refused a call because the caller may
// not pass the role (iam:PassRole).
func passRoleDenied(err error) bool {
	switch errorCode(err) {
	case "AccessDenied", "AccessDeniedException", "AccessDeniedFault", "UnauthorizedOperation", "UnauthorizedException":
		return strings.Contains(errorMessage(err), "iam:PassRole")
	}
	return false
}

// publicRefused turns the error of a call that asked for a publicly
// accessible cluster into a setting error when the VPC refused it (VPC
// Block Public Access, no internet gateway); other errors are returned as
// they are.
func publicRefused(s Spec, err error) error {
	if _, ok := errors.AsType[*rstypes.InvalidVPCNetworkStateFault](err); (ok || errorCode(err) == "InvalidVPCNetworkStateFault") && s.wantPublic() {
		return &SettingError{Setting: "PubliclyAccessible", Msg: fmt.Sprintf("the VPC does not allow a publicly accessible endpoint (AWS: %s); VPC Block Public Access or a VPC without an internet gateway does that. Add a Block Public Access exclusion for the subnets, or set {PubliclyAccessible}=false and reach the warehouse from inside the VPC ({IngressCIDR} a private CIDR)", errorMessage(err))}
	}
	return err
}

// ensureCluster creates the cluster unless cl (looked up by Provision)
// exists, waits until it is available and repairs its role, its security
// group and its public accessibility.
func (a *AWS) ensureCluster(ctx context.Context, s Spec, cl *rstypes.Cluster, role roleInfo, group string) (*rstypes.Cluster, error) {
	var err error
	if cl == nil {
		password := "from SPARKIFY_DB_PASSWORD"
		if s.Password == "" {
			password = "managed by AWS Secrets Manager"
		}
		a.Log.Info("creating the Redshift cluster; this takes several minutes", "cluster", s.ClusterID,
			"node_type", s.NodeType, "nodes", s.NodeCount, "publicly_accessible", s.wantPublic(), "password", password,
			"subnet_group", s.subnetGroupName(), "security_group", group)
		in := a.createClusterInput(s, role.arn, group)
		err := a.whileRoleSettles(ctx, s, role, "CreateCluster", func(ctx context.Context) error {
			_, err := a.Redshift.CreateCluster(ctx, in)
			return err
		})
		if err != nil {
			return nil, publicRefused(s, callError("CreateCluster", err))
		}
	} else {
		a.Log.Info("Redshift cluster exists", "cluster", s.ClusterID, "status", aws.ToString(cl.ClusterStatus))
		a.warnDifferences(s, cl)
	}
	if cl == nil || !availableNow(cl) {
		if cl, err = a.waitAvailable(ctx, s); err != nil {
			return nil, err
		}
	}
	if s.Ingress.IsValid() && !s.Ingress.Addr().Is4() && aws.ToString(cl.IpAddressType) != "dualstack" {
		return nil, &SettingError{Setting: "IngressCIDR", Msg: fmt.Sprintf("cluster %s is IPv4-only, so the IPv6 CIDR %s would admit nothing: use an IPv4 CIDR, or tear the cluster down and provision it with {IPAddressType}=dualstack", s.ClusterID, s.Ingress)}
	}
	// Each modification keeps the cluster busy until AWS has applied it:
	// wait after each, and retry one refused because of another.
	if !slices.ContainsFunc(cl.IamRoles, func(r rstypes.ClusterIamRole) bool { return aws.ToString(r.IamRoleArn) == role.arn }) {
		a.Log.Warn("repairing the cluster: attaching the IAM role", "cluster", s.ClusterID, "role", role.arn)
		err := a.retryBusy(ctx, s, "ModifyClusterIamRoles", func(ctx context.Context) error {
			return a.whileRoleSettles(ctx, s, role, "ModifyClusterIamRoles", func(ctx context.Context) error {
				_, err := a.Redshift.ModifyClusterIamRoles(ctx, &redshift.ModifyClusterIamRolesInput{
					ClusterIdentifier: aws.String(s.ClusterID), AddIamRoles: []string{role.arn},
				})
				return err
			})
		})
		if err != nil {
			return nil, err
		}
		if cl, err = a.waitAvailable(ctx, s); err != nil {
			return nil, err
		}
	}
	mod := &redshift.ModifyClusterInput{ClusterIdentifier: aws.String(s.ClusterID)}
	if aws.ToBool(cl.PubliclyAccessible) != s.wantPublic() {
		a.Log.Warn("repairing the cluster: public accessibility follows SPARKIFY_PUBLICLY_ACCESSIBLE", "cluster", s.ClusterID, "publicly_accessible", s.wantPublic())
		mod.PubliclyAccessible = aws.Bool(s.wantPublic())
	}
	if groups := clusterGroups(cl); group != "" && !slices.Contains(groups, group) {
		a.Log.Warn("repairing the cluster: attaching the security group that holds the ingress rule", "cluster", s.ClusterID, "group", group)
		mod.VpcSecurityGroupIds = append(groups, group)
	}
	if mod.PubliclyAccessible == nil && mod.VpcSecurityGroupIds == nil {
		return cl, nil
	}
	err = a.retryBusy(ctx, s, "ModifyCluster", func(ctx context.Context) error {
		_, err := a.Redshift.ModifyCluster(ctx, mod)
		return err
	})
	if err != nil {
		return nil, publicRefused(s, err)
	}
	return a.waitAvailable(ctx, s)
}

// availableNow reports whether cl, as described, is available in the sense
// of waitCluster.
func availableNow(cl *rstypes.Cluster) bool {
	status, detail := clusterState(cl)
	return status == "available" && detail == ""
}

// clusterGroups returns the ids of the cluster's VPC security groups.
func clusterGroups(cl *rstypes.Cluster) []string {
	var ids []string
	for _, g := range cl.VpcSecurityGroups {
		if id := aws.ToString(g.VpcSecurityGroupId); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
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
	if want := s.subnetGroupName(); want != "" {
		diff("subnet group", aws.ToString(cl.ClusterSubnetGroupName), want)
	}
}

// Teardown deletes the cluster (with a final snapshot unless
// s.SkipFinalSnapshot), waits until it is gone, revokes the ingress rules
// and deletes the security groups and subnet group this job made for the
// cluster, and deletes the role with its policies. What does not exist is
// skipped, so tearing down nothing succeeds, and a teardown stopped at any
// point finishes when run again.
func (a *AWS) Teardown(ctx context.Context, s Spec) error {
	if s.Serverless {
		return a.teardownServerless(ctx, s)
	}
	// Check the cluster and the role before deleting either, so that a
	// foreign one of the same name stops the run before anything is deleted.
	cl, err := a.describeCluster(ctx, s.ClusterID)
	if err != nil {
		return err
	}
	if cl != nil {
		if err := checkOwner(s, "ClusterID", "Redshift cluster", s.ClusterID, clusterTag(cl.Tags)); err != nil {
			return err
		}
	}
	role, err := a.getRole(ctx, s.RoleName)
	if err != nil {
		return err
	}
	if role != nil {
		if err := checkOwner(s, "IAMRoleName", "IAM role", s.RoleName, roleTag(role.Tags)); err != nil {
			return err
		}
	}
	if err := a.deleteCluster(ctx, s, cl); err != nil {
		return err
	}
	if err := a.removeIngress(ctx, s); err != nil {
		return err
	}
	if err := a.deleteSubnetGroup(ctx, s); err != nil {
		return err
	}
	if role == nil {
		a.Log.Info("no IAM role to delete", "role", s.RoleName)
		return nil
	}
	return a.deleteRole(ctx, s)
}

// removeIngress revokes the ingress rules the job added, in any group, and
// deletes the security group it created (never SPARKIFY_SECURITY_GROUP_ID):
// the network part of both deployments' teardown.
func (a *AWS) removeIngress(ctx context.Context, s Spec) error {
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
	if err := a.deleteSecurityGroups(ctx, s); err != nil {
		return err
	}
	return nil
}

// deleteCluster deletes cl (looked up by Teardown) and waits until it is
// gone, from whatever state it is in. It tries DeleteCluster and waits only
// when AWS refuses it for the cluster's state (InvalidClusterState), the
// one refusal the DeleteCluster API reference names for it: a cluster
// with a change pending or in its maintenance window is deleted at once.
// A deletion already under way (also during the final snapshot) is waited
// for, and a paused cluster is resumed first (Redshift deletes only
// running clusters).
func (a *AWS) deleteCluster(ctx context.Context, s Spec, cl *rstypes.Cluster) error {
	status, _ := clusterState(cl)
	switch status {
	case gone:
		a.Log.Info("no Redshift cluster to delete", "cluster", s.ClusterID)
		return nil
	case "deleting", "final-snapshot":
		a.Log.Info("the cluster is already being deleted; waiting until it is gone", "cluster", s.ClusterID, "status", status)
		_, err := a.waitCluster(ctx, s, untilDeleted)
		return err
	case "pausing":
		a.Log.Info("the cluster is pausing; waiting until it is paused to resume it", "cluster", s.ClusterID)
		var err error
		if cl, err = a.waitCluster(ctx, s, untilPaused); err != nil {
			return err
		}
		if status, _ = clusterState(cl); status != "paused" {
			return a.deleteNow(ctx, s)
		}
		fallthrough
	case "paused":
		a.Log.Info("resuming the paused cluster: Redshift deletes only running clusters", "cluster", s.ClusterID)
		err := a.retryBusy(ctx, s, "ResumeCluster", func(ctx context.Context) error {
			_, err := a.Redshift.ResumeCluster(ctx, &redshift.ResumeClusterInput{ClusterIdentifier: aws.String(s.ClusterID)})
			return err
		})
		if err != nil {
			return err
		}
	}
	return a.deleteNow(ctx, s)
}

// deleteNow calls DeleteCluster, retrying while AWS refuses it for the
// cluster's state (InvalidClusterState), and waits until the cluster is
// gone.
func (a *AWS) deleteNow(ctx context.Context, s Spec) error {
	in := &redshift.DeleteClusterInput{ClusterIdentifier: aws.String(s.ClusterID), SkipFinalClusterSnapshot: aws.Bool(s.SkipFinalSnapshot)}
	if !s.SkipFinalSnapshot {
		in.FinalClusterSnapshotIdentifier = aws.String(finalSnapshotID(s.ClusterID, a.now()))
	}
	a.Log.Info("deleting the Redshift cluster", "cluster", s.ClusterID, "final_snapshot", aws.ToString(in.FinalClusterSnapshotIdentifier))
	err := a.retryWhile(ctx, s, "DeleteCluster", "AWS refuses to delete the cluster in its current state", isClusterBusy, func(ctx context.Context) error {
		_, err := a.Redshift.DeleteCluster(ctx, in)
		if !isClusterBusy(err) {
			return err
		}
		// Refused: is another teardown already deleting it?
		if cl, derr := a.describeCluster(ctx, s.ClusterID); derr == nil {
			if status, _ := clusterState(cl); status == gone || status == "deleting" || status == "final-snapshot" {
				return nil
			}
		}
		return err
	})
	if err != nil {
		if isClusterNotFound(err) {
			return nil
		}
		return err
	}
	_, err = a.waitCluster(ctx, s, untilDeleted)
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

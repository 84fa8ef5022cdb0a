package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	rstypes "github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// clusterVPC returns the VPC the cluster is (or goes) in. For a new
// cluster that is the VPC of SPARKIFY_SUBNET_GROUP, of the subnets of
// SPARKIFY_SUBNET_IDS (the subnet group made from them, read by
// ownSubnetGroup, or the subnets themselves when it is still to be made),
// or the default VPC; without any of the three it fails. It only reads.
func (a *AWS) clusterVPC(ctx context.Context, s Spec, existing *rstypes.Cluster, subnets *rstypes.ClusterSubnetGroup) (string, error) {
	if existing != nil {
		return aws.ToString(existing.VpcId), nil
	}
	switch {
	case s.SubnetGroup != "":
		g, err := a.describeSubnetGroup(ctx, s.SubnetGroup)
		if err != nil {
			return "", err
		}
		if g == nil {
			return "", &SettingError{Setting: "SubnetGroup", Msg: fmt.Sprintf("cluster subnet group %q does not exist in this region: create it, or set {SubnetIDs} instead for the job to make one", s.SubnetGroup)}
		}
		a.Log.Info("using the cluster subnet group", "subnet_group", s.SubnetGroup, "vpc", aws.ToString(g.VpcId))
		return aws.ToString(g.VpcId), nil
	case subnets != nil:
		return aws.ToString(subnets.VpcId), nil
	case len(s.SubnetIDs) > 0:
		return a.subnetsVPC(ctx, s.SubnetIDs)
	}
	return a.defaultVPC(ctx, "a cluster without a subnet group")
}

// subnetsVPC returns the VPC of the subnets, refusing subnets that do not
// exist or lie in more than one VPC.
func (a *AWS) subnetsVPC(ctx context.Context, ids []string) (string, error) {
	out, err := a.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: ids})
	if errorCode(err) == "InvalidSubnetID.NotFound" {
		return "", &SettingError{Setting: "SubnetIDs", Msg: fmt.Sprintf("a subnet does not exist (AWS: %s): name existing subnets of one VPC", errorMessage(err))}
	}
	if err != nil {
		return "", callError("DescribeSubnets", err)
	}
	vpc := ""
	for _, sn := range out.Subnets {
		if v := aws.ToString(sn.VpcId); vpc == "" {
			vpc = v
		} else if v != vpc {
			return "", &SettingError{Setting: "SubnetIDs", Msg: fmt.Sprintf("the subnets are in VPCs %s and %s: name subnets of one VPC", vpc, v)}
		}
	}
	return vpc, nil
}

// defaultVPC returns the region's default VPC, which what (a cluster
// without a subnet group, a workgroup without subnets) goes into; without
// one it returns a setting error.
func (a *AWS) defaultVPC(ctx context.Context, what string) (string, error) {
	out, err := a.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}},
	})
	if err != nil {
		return "", callError("DescribeVpcs", err)
	}
	if len(out.Vpcs) == 0 {
		return "", &SettingError{Setting: "SubnetGroup", Msg: "this region has no default VPC, which Redshift needs to create " + what + " (organisation and Control Tower accounts usually have none): set {SubnetGroup} to an existing cluster subnet group, or {SubnetIDs} to subnets of one VPC for the job to make one"}
	}
	vpc := aws.ToString(out.Vpcs[0].VpcId)
	a.Log.Info("no subnets set: "+what+" goes into the default VPC", "vpc", vpc)
	return vpc, nil
}

// describeSubnetGroup returns the cluster subnet group, or nil when it does
// not exist.
func (a *AWS) describeSubnetGroup(ctx context.Context, name string) (*rstypes.ClusterSubnetGroup, error) {
	out, err := a.Redshift.DescribeClusterSubnetGroups(ctx, &redshift.DescribeClusterSubnetGroupsInput{ClusterSubnetGroupName: aws.String(name)})
	return lookup("DescribeClusterSubnetGroups", err, isSubnetGroupNotFound, func() *rstypes.ClusterSubnetGroup { return first(out.ClusterSubnetGroups) })
}

// isSubnetGroupNotFound tells whether Redshift answered that the cluster
// subnet group does not exist.
func isSubnetGroupNotFound(err error) bool {
	_, ok := errors.AsType[*rstypes.ClusterSubnetGroupNotFoundFault](err)
	return ok
}

func subnetIDs(g *rstypes.ClusterSubnetGroup) []string {
	var ids []string
	for _, sn := range g.Subnets {
		ids = append(ids, aws.ToString(sn.SubnetIdentifier))
	}
	slices.Sort(ids)
	return ids
}

// ownSubnetGroup reads the subnet group the job makes from
// SPARKIFY_SUBNET_IDS and refuses it unless an earlier run made it for this
// cluster. It returns nil when it does not exist.
func (a *AWS) ownSubnetGroup(ctx context.Context, s Spec) (*rstypes.ClusterSubnetGroup, error) {
	name := s.subnetGroupName()
	g, err := a.describeSubnetGroup(ctx, name)
	if err != nil || g == nil {
		return nil, err
	}
	if err := checkOwner(s, "SubnetIDs", "cluster subnet group", name, clusterTag(g.Tags)); err != nil {
		return nil, err
	}
	return g, nil
}

// ensureSubnetGroup creates the subnet group from SPARKIFY_SUBNET_IDS, or
// adopts g, the one an earlier run created (read by ownSubnetGroup).
func (a *AWS) ensureSubnetGroup(ctx context.Context, s Spec, g *rstypes.ClusterSubnetGroup) error {
	name := s.subnetGroupName()
	if g != nil {
		if have := subnetIDs(g); !slices.Equal(have, s.SubnetIDs) {
			a.Log.Warn("the subnet group's subnets differ from SPARKIFY_SUBNET_IDS; provision leaves them (tear down and provision again to move the cluster)",
				"subnet_group", name, "have", have, "want", s.SubnetIDs)
		} else {
			a.Log.Info("cluster subnet group exists", "subnet_group", name)
		}
		return nil
	}
	a.Log.Info("creating the cluster subnet group", "subnet_group", name, "subnets", s.SubnetIDs)
	_, err := a.Redshift.CreateClusterSubnetGroup(ctx, &redshift.CreateClusterSubnetGroupInput{
		ClusterSubnetGroupName: aws.String(name),
		Description:            aws.String("Sparkify warehouse: Redshift cluster " + s.ClusterID),
		SubnetIds:              s.SubnetIDs,
		Tags:                   []rstypes.Tag{{Key: aws.String(TagKey), Value: aws.String(s.ClusterID)}},
	})
	if _, ok := errors.AsType[*rstypes.InvalidSubnet](err); ok {
		return &SettingError{Setting: "SubnetIDs", Msg: fmt.Sprintf("Redshift refused the subnets (%s): name existing subnets of one VPC", errorMessage(err))}
	}
	if err != nil {
		return callError("CreateClusterSubnetGroup", err)
	}
	return nil
}

// deleteSubnetGroup deletes the subnet group the job created for the
// cluster, if there is one; a group of that name that belongs to someone
// else is left alone.
func (a *AWS) deleteSubnetGroup(ctx context.Context, s Spec) error {
	name := ownName(s.ClusterID)
	g, err := a.describeSubnetGroup(ctx, name)
	if err != nil || g == nil {
		return err
	}
	if checkOwner(s, "SubnetIDs", "cluster subnet group", name, clusterTag(g.Tags)) != nil {
		a.Log.Warn("leaving a subnet group this job did not create for the cluster", "subnet_group", name)
		return nil
	}
	a.Log.Info("deleting the cluster subnet group", "subnet_group", name)
	_, err = a.Redshift.DeleteClusterSubnetGroup(ctx, &redshift.DeleteClusterSubnetGroupInput{ClusterSubnetGroupName: aws.String(name)})
	if _, ok := errors.AsType[*rstypes.ClusterSubnetGroupNotFoundFault](err); ok {
		return nil
	}
	if err != nil {
		return callError("DeleteClusterSubnetGroup", err)
	}
	return nil
}

// ensureSecurityGroup returns the security group that holds the ingress
// rule and that the cluster must have: SPARKIFY_SECURITY_GROUP_ID, checked
// to exist in the cluster's VPC, or, when ingress is asked for, the group
// the job creates for the cluster in its VPC. It returns "" when neither
// applies: the cluster keeps the groups it has (a new one gets its VPC's
// default group, which this job never changes).
//
// own is the job's group as read by readOwnSecurityGroup (nil when
// missing).
func (a *AWS) ensureSecurityGroup(ctx context.Context, s Spec, vpc string, own *ec2types.SecurityGroup) (string, error) {
	if s.SecurityGroupID != "" {
		out, err := a.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{s.SecurityGroupID}})
		if errorCode(err) == "InvalidGroup.NotFound" {
			return "", &SettingError{Setting: "SecurityGroupID", Msg: fmt.Sprintf("security group %s does not exist in this region", s.SecurityGroupID)}
		}
		if err != nil {
			return "", callError("DescribeSecurityGroups", err)
		}
		if len(out.SecurityGroups) == 1 && vpc != "" && aws.ToString(out.SecurityGroups[0].VpcId) != vpc {
			return "", &SettingError{Setting: "SecurityGroupID", Msg: fmt.Sprintf("security group %s is in VPC %s, the cluster in VPC %s: name a group of the cluster's VPC", s.SecurityGroupID, aws.ToString(out.SecurityGroups[0].VpcId), vpc)}
		}
		return s.SecurityGroupID, nil
	}
	if !s.wantIngress() {
		return "", nil
	}
	if own != nil {
		a.Log.Info("security group exists", "group", aws.ToString(own.GroupId), "vpc", vpc)
		return aws.ToString(own.GroupId), nil
	}
	name := ownName(s.ClusterID)
	a.Log.Info("creating the cluster's security group", "name", name, "vpc", vpc)
	out, err := a.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:   aws.String(name),
		Description: aws.String("Sparkify warehouse: ingress to Redshift cluster " + s.ClusterID),
		VpcId:       aws.String(vpc),
		TagSpecifications: []ec2types.TagSpecification{{
			ResourceType: ec2types.ResourceTypeSecurityGroup,
			Tags:         []ec2types.Tag{{Key: aws.String(TagKey), Value: aws.String(s.ClusterID)}},
		}},
	})
	if errorCode(err) == "InvalidGroup.Duplicate" {
		return "", &SettingError{Setting: "SecurityGroupID", Msg: fmt.Sprintf("a security group named %s exists in VPC %s but is not tagged %s=%s: delete it, tag it, or set {SecurityGroupID} to a group of your own", name, vpc, TagKey, s.ClusterID)}
	}
	if err != nil {
		return "", callError("CreateSecurityGroup", err)
	}
	return aws.ToString(out.GroupId), nil
}

// readOwnSecurityGroup reads the security group the job makes for the
// cluster when ingress is asked for without SPARKIFY_SECURITY_GROUP_ID: the
// group named sparkify-warehouse-<cluster id> in vpc. It refuses one of
// that name not tagged for the cluster, before anything is written, and
// returns nil when there is none.
func (a *AWS) readOwnSecurityGroup(ctx context.Context, s Spec, vpc string) (*ec2types.SecurityGroup, error) {
	if s.SecurityGroupID != "" || !s.wantIngress() {
		return nil, nil
	}
	out, err := a.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("group-name"), Values: []string{ownName(s.ClusterID)}},
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
	}})
	if err != nil {
		return nil, callError("DescribeSecurityGroups", err)
	}
	if len(out.SecurityGroups) == 0 {
		return nil, nil
	}
	g := out.SecurityGroups[0]
	o := tagOwner(g.Tags, func(t ec2types.Tag) (*string, *string) { return t.Key, t.Value })
	if err := checkOwner(s, "SecurityGroupID", "security group", ownName(s.ClusterID)+" in VPC "+vpc, o); err != nil {
		return nil, err
	}
	return &g, nil
}

// ownSecurityGroups returns the security groups tagged for the cluster, in
// vpc ("" for any VPC).
func (a *AWS) ownSecurityGroups(ctx context.Context, s Spec, vpc string) ([]ec2types.SecurityGroup, error) {
	filters := []ec2types.Filter{{Name: aws.String("tag:" + TagKey), Values: []string{s.ClusterID}}}
	if vpc != "" {
		filters = append(filters, ec2types.Filter{Name: aws.String("vpc-id"), Values: []string{vpc}})
	}
	var groups []ec2types.SecurityGroup
	p := ec2.NewDescribeSecurityGroupsPaginator(a.EC2, &ec2.DescribeSecurityGroupsInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, callError("DescribeSecurityGroups", err)
		}
		groups = append(groups, page.SecurityGroups...)
	}
	return groups, nil
}

// deleteSecurityGroups deletes the security groups the job created for
// the cluster: tagged for it and named as the job names them. A group
// given as SPARKIFY_SECURITY_GROUP_ID is the user's and is never deleted,
// even when tagged (as the policy asks the user to). The network
// interfaces of a cluster just deleted can hold a group for a while
// (DependencyViolation): that is retried.
func (a *AWS) deleteSecurityGroups(ctx context.Context, s Spec) error {
	groups, err := a.ownSecurityGroups(ctx, s, "")
	if err != nil {
		return err
	}
	inUse := func(err error) bool { return errorCode(err) == "DependencyViolation" }
	for _, g := range groups {
		if id := aws.ToString(g.GroupId); id == s.SecurityGroupID || aws.ToString(g.GroupName) != ownName(s.ClusterID) {
			a.Log.Info("leaving a security group the job did not create", "group", id, "name", aws.ToString(g.GroupName))
			continue
		}
		a.Log.Info("deleting the cluster's security group", "group", aws.ToString(g.GroupId))
		err := a.retryWhile(ctx, s, "DeleteSecurityGroup", "the security group is still in use", inUse, func(ctx context.Context) error {
			_, err := a.EC2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: g.GroupId})
			if errorCode(err) == "InvalidGroup.NotFound" {
				return nil
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
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
// one SPARKIFY_INGRESS_CIDR asks for, in group: it revokes the others (an
// earlier CIDR, another group, or any when ingress is no longer requested)
// and adds it if missing.
//
// port is the port of the cluster's or workgroup's endpoint.
func (a *AWS) ensureIngress(ctx context.Context, s Spec, port int32, group string) error {
	rules, err := a.ownRules(ctx, s.ClusterID)
	if err != nil {
		return err
	}
	want := s.Ingress.String()
	found := false
	for _, r := range rules {
		if s.wantIngress() && aws.ToString(r.GroupId) == group && aws.ToString(r.IpProtocol) == "tcp" &&
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
	if !s.wantIngress() {
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

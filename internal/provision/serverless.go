package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	sltypes "github.com/aws/aws-sdk-go-v2/service/redshiftserverless/types"
)

// With SPARKIFY_REDSHIFT_DEPLOYMENT=serverless the warehouse is a Redshift
// Serverless namespace (the database, its admin user and its IAM roles)
// and a workgroup (the compute and the endpoint), both named
// SPARKIFY_CLUSTER_ID and tagged TagKey=<that name> as a cluster is.

// Redshift Serverless statuses the job acts on.
const (
	slAvailable = "AVAILABLE"
	slDeleting  = "DELETING"
)

func isServerlessNotFound(err error) bool {
	_, ok := errors.AsType[*sltypes.ResourceNotFoundException](err)
	return ok
}

// isServerlessConflict tells whether Redshift Serverless refused a call
// because of the namespace's or workgroup's state (another operation).
func isServerlessConflict(err error) bool {
	_, ok := errors.AsType[*sltypes.ConflictException](err)
	return ok
}

// getNamespace returns the namespace, or nil when it does not exist.
func (a *AWS) getNamespace(ctx context.Context, name string) (*sltypes.Namespace, error) {
	out, err := a.Serverless.GetNamespace(ctx, &redshiftserverless.GetNamespaceInput{NamespaceName: aws.String(name)})
	return lookup("GetNamespace", err, isServerlessNotFound, func() *sltypes.Namespace { return out.Namespace })
}

// getWorkgroup returns the workgroup, or nil when it does not exist.
func (a *AWS) getWorkgroup(ctx context.Context, name string) (*sltypes.Workgroup, error) {
	out, err := a.Serverless.GetWorkgroup(ctx, &redshiftserverless.GetWorkgroupInput{WorkgroupName: aws.String(name)})
	return lookup("GetWorkgroup", err, isServerlessNotFound, func() *sltypes.Workgroup { return out.Workgroup })
}

// checkServerlessOwner reads the tags of a namespace or workgroup (their
// Get calls return none) and refuses one not tagged for s.
func (a *AWS) checkServerlessOwner(ctx context.Context, s Spec, what, arn string) error {
	out, err := a.Serverless.ListTagsForResource(ctx, &redshiftserverless.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		return callError("ListTagsForResource", err)
	}
	o := tagOwner(out.Tags, func(t sltypes.Tag) (*string, *string) { return t.Key, t.Value })
	return checkOwner(s, "ClusterID", what, s.ClusterID, o)
}

func serverlessTags(s Spec) []sltypes.Tag {
	return []sltypes.Tag{{Key: aws.String(TagKey), Value: aws.String(s.ClusterID)}}
}

// serverlessState is what provision and teardown read before writing.
type serverlessState struct {
	ns   *sltypes.Namespace
	wg   *sltypes.Workgroup
	role *iamtypes.Role
}

// readServerless reads the workgroup, the namespace and the role and
// checks that each, where it exists, belongs to s.
func (a *AWS) readServerless(ctx context.Context, s Spec) (serverlessState, error) {
	var st serverlessState
	var err error
	if st.wg, err = a.getWorkgroup(ctx, s.ClusterID); err != nil {
		return st, err
	}
	if st.wg != nil {
		if err := a.checkServerlessOwner(ctx, s, "Redshift Serverless workgroup", aws.ToString(st.wg.WorkgroupArn)); err != nil {
			return st, err
		}
		if ns := aws.ToString(st.wg.NamespaceName); ns != s.ClusterID {
			return st, &SettingError{Setting: "ClusterID", Msg: fmt.Sprintf("Redshift Serverless workgroup %q serves namespace %q, not %q: give this warehouse its own {ClusterID}", s.ClusterID, ns, s.ClusterID)}
		}
	}
	if st.ns, err = a.getNamespace(ctx, s.ClusterID); err != nil {
		return st, err
	}
	if st.ns != nil {
		if err := a.checkServerlessOwner(ctx, s, "Redshift Serverless namespace", aws.ToString(st.ns.NamespaceArn)); err != nil {
			return st, err
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
	return st, nil
}

// provisionServerless brings the role, its S3 read policy, the security
// group, the namespace, the workgroup and the ingress rule to the state s
// describes, and waits until the workgroup is available.
func (a *AWS) provisionServerless(ctx context.Context, s Spec) (Outputs, error) {
	st, err := a.readServerless(ctx, s)
	if err != nil {
		return Outputs{}, err
	}
	for what, status := range map[string]string{"namespace": nsStatus(st.ns), "workgroup": wgStatus(st.wg)} {
		if status == slDeleting {
			return Outputs{}, fmt.Errorf("the Redshift Serverless %s %s is being deleted: run provision again once teardown has finished", what, s.ClusterID)
		}
	}
	vpc, subnets, err := a.serverlessNetwork(ctx, s, st.wg)
	if err != nil {
		return Outputs{}, err
	}
	own, err := a.readOwnSecurityGroup(ctx, s, vpc)
	if err != nil {
		return Outputs{}, err
	}
	role, group, err := a.ensureRoleAndGroup(ctx, s, st.role, vpc, own)
	if err != nil {
		return Outputs{}, err
	}
	ns, err := a.ensureNamespace(ctx, s, st.ns, role)
	if err != nil {
		return Outputs{}, err
	}
	wg, err := a.ensureWorkgroup(ctx, s, st.wg, group, subnets)
	if err != nil {
		return Outputs{}, err
	}
	if wg.Endpoint == nil || aws.ToString(wg.Endpoint.Address) == "" {
		return Outputs{}, fmt.Errorf("workgroup %s is available but has no endpoint", s.ClusterID)
	}
	port := aws.ToInt32(wg.Endpoint.Port)
	if port == 0 {
		port = int32(s.Port)
	}
	if err := a.ensureIngress(ctx, s, port, group); err != nil {
		return Outputs{}, err
	}
	host := aws.ToString(wg.Endpoint.Address)
	a.Log.Info("provisioned", "workgroup", s.ClusterID, "namespace", s.ClusterID, "endpoint", host, "port", port, "role", role.arn)
	return endpoint{host: host, port: port, user: aws.ToString(ns.AdminUsername), dbName: aws.ToString(ns.DbName), query: "sslmode=require"}.
		outputs(role.arn, aws.ToString(ns.AdminPasswordSecretArn)), nil
}

func nsStatus(ns *sltypes.Namespace) string {
	if ns == nil {
		return gone
	}
	return string(ns.Status)
}

func wgStatus(wg *sltypes.Workgroup) string {
	if wg == nil {
		return gone
	}
	return string(wg.Status)
}

// serverlessNetwork returns the VPC of the workgroup and the subnets a new
// one gets: SPARKIFY_SUBNET_IDS, the subnets of SPARKIFY_SUBNET_GROUP, or
// none (the default VPC's, which must exist). It only reads.
func (a *AWS) serverlessNetwork(ctx context.Context, s Spec, wg *sltypes.Workgroup) (vpc string, subnets []string, err error) {
	subnets = s.SubnetIDs
	switch {
	case wg != nil:
		subnets = wg.SubnetIds
	case s.SubnetGroup != "":
		g, err := a.describeSubnetGroup(ctx, s.SubnetGroup)
		if err != nil {
			return "", nil, err
		}
		if g == nil {
			return "", nil, &SettingError{Setting: "SubnetGroup", Msg: fmt.Sprintf("cluster subnet group %q does not exist in this region: create it, or set {SubnetIDs} instead", s.SubnetGroup)}
		}
		subnets = subnetIDs(g)
	case len(s.SubnetIDs) == 0:
		v, err := a.defaultVPC(ctx, "a workgroup without subnets")
		return v, nil, err
	}
	if len(subnets) == 0 {
		return "", nil, nil
	}
	vpc, err = a.subnetsVPC(ctx, subnets)
	return vpc, subnets, err
}

// ensureNamespace creates the namespace (the database, its admin user, the
// role as its default IAM role, encrypted with the key AWS owns) or gives
// the existing one the role, and waits until it is available.
func (a *AWS) ensureNamespace(ctx context.Context, s Spec, ns *sltypes.Namespace, role roleInfo) (*sltypes.Namespace, error) {
	if ns == nil {
		in := &redshiftserverless.CreateNamespaceInput{
			NamespaceName:     aws.String(s.ClusterID),
			DbName:            aws.String(s.DBName),
			AdminUsername:     aws.String(s.DBUser),
			IamRoles:          []string{role.arn},
			DefaultIamRoleArn: aws.String(role.arn),
			Tags:              serverlessTags(s),
		}
		password := "from SPARKIFY_DB_PASSWORD"
		if s.Password == "" {
			in.ManageAdminPassword = aws.Bool(true)
			password = "managed by AWS Secrets Manager"
		} else {
			in.AdminUserPassword = aws.String(s.Password.reveal())
		}
		a.Log.Info("creating the Redshift Serverless namespace", "namespace", s.ClusterID, "database", s.DBName, "admin", s.DBUser, "password", password)
		err := a.whileRoleSettles(ctx, s, role, "CreateNamespace", func(ctx context.Context) error {
			_, err := a.Serverless.CreateNamespace(ctx, in)
			return err
		})
		if err != nil {
			return nil, callError("CreateNamespace", err)
		}
	} else {
		a.Log.Info("Redshift Serverless namespace exists", "namespace", s.ClusterID, "status", string(ns.Status))
		diff := func(what, have, want string) {
			if have != want {
				a.Log.Warn("the existing namespace differs from the configuration; provision leaves it as it is (tear it down and provision again)",
					"namespace", s.ClusterID, "setting", what, "have", have, "want", want)
			}
		}
		diff("database", aws.ToString(ns.DbName), s.DBName)
		diff("admin user", aws.ToString(ns.AdminUsername), s.DBUser)
	}
	n, err := waitServerless(ctx, a, s, "namespace", slAvailable, a.namespaceStatus)
	if err != nil {
		return nil, err
	}
	if slices.Contains(n.IamRoles, role.arn) && aws.ToString(n.DefaultIamRoleArn) == role.arn {
		return n, nil
	}
	roles := n.IamRoles
	if !slices.Contains(roles, role.arn) {
		roles = append(slices.Clone(roles), role.arn)
	}
	a.Log.Warn("repairing the namespace: the role becomes its default IAM role", "namespace", s.ClusterID, "role", role.arn)
	err = a.retryWhile(ctx, s, "UpdateNamespace", "the namespace is busy with another operation", isServerlessConflict, func(ctx context.Context) error {
		return a.whileRoleSettles(ctx, s, role, "UpdateNamespace", func(ctx context.Context) error {
			_, err := a.Serverless.UpdateNamespace(ctx, &redshiftserverless.UpdateNamespaceInput{
				NamespaceName: aws.String(s.ClusterID), IamRoles: roles, DefaultIamRoleArn: aws.String(role.arn),
			})
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return waitServerless(ctx, a, s, "namespace", slAvailable, a.namespaceStatus)
}

// ensureWorkgroup creates the workgroup in the namespace, or repairs the
// base capacity, the public accessibility and the security group of the
// existing one, one change at a time (UpdateWorkgroup takes one), and
// waits until it is available.
func (a *AWS) ensureWorkgroup(ctx context.Context, s Spec, wg *sltypes.Workgroup, group string, subnets []string) (*sltypes.Workgroup, error) {
	if wg == nil {
		in := &redshiftserverless.CreateWorkgroupInput{
			WorkgroupName:      aws.String(s.ClusterID),
			NamespaceName:      aws.String(s.ClusterID),
			BaseCapacity:       aws.Int32(int32(s.BaseRPU)),
			Port:               aws.Int32(int32(s.Port)),
			PubliclyAccessible: aws.Bool(s.wantPublic()),
			SubnetIds:          subnets,
			Tags:               serverlessTags(s),
		}
		if group != "" {
			in.SecurityGroupIds = []string{group}
		}
		a.Log.Info("creating the Redshift Serverless workgroup; this takes a few minutes", "workgroup", s.ClusterID,
			"base_rpu", s.BaseRPU, "publicly_accessible", s.wantPublic(), "subnets", subnets, "security_group", group)
		if _, err := a.Serverless.CreateWorkgroup(ctx, in); err != nil {
			return nil, publicRefusedServerless(s, callError("CreateWorkgroup", err))
		}
	} else {
		a.Log.Info("Redshift Serverless workgroup exists", "workgroup", s.ClusterID, "status", string(wg.Status))
	}
	wg, err := waitServerless(ctx, a, s, "workgroup", slAvailable, a.workgroupStatus)
	if err != nil {
		return nil, err
	}
	if aws.ToInt32(wg.Port) != int32(s.Port) {
		a.Log.Warn("the existing workgroup's port differs from SPARKIFY_DB_PORT; provision leaves it", "workgroup", s.ClusterID, "have", aws.ToInt32(wg.Port), "want", s.Port)
	}
	changes := []struct {
		what string
		in   *redshiftserverless.UpdateWorkgroupInput
	}{}
	if aws.ToInt32(wg.BaseCapacity) != int32(s.BaseRPU) {
		changes = append(changes, struct {
			what string
			in   *redshiftserverless.UpdateWorkgroupInput
		}{"base capacity follows SPARKIFY_SERVERLESS_BASE_RPU", &redshiftserverless.UpdateWorkgroupInput{BaseCapacity: aws.Int32(int32(s.BaseRPU))}})
	}
	if aws.ToBool(wg.PubliclyAccessible) != s.wantPublic() {
		changes = append(changes, struct {
			what string
			in   *redshiftserverless.UpdateWorkgroupInput
		}{"public accessibility follows SPARKIFY_PUBLICLY_ACCESSIBLE", &redshiftserverless.UpdateWorkgroupInput{PubliclyAccessible: aws.Bool(s.wantPublic())}})
	}
	if group != "" && !slices.Contains(wg.SecurityGroupIds, group) {
		changes = append(changes, struct {
			what string
			in   *redshiftserverless.UpdateWorkgroupInput
		}{"attaching the security group that holds the ingress rule", &redshiftserverless.UpdateWorkgroupInput{SecurityGroupIds: append(slices.Clone(wg.SecurityGroupIds), group)}})
	}
	for _, c := range changes {
		a.Log.Warn("repairing the workgroup: "+c.what, "workgroup", s.ClusterID)
		c.in.WorkgroupName = aws.String(s.ClusterID)
		err := a.retryWhile(ctx, s, "UpdateWorkgroup", "the workgroup is busy with another operation", isServerlessConflict, func(ctx context.Context) error {
			_, err := a.Serverless.UpdateWorkgroup(ctx, c.in)
			return err
		})
		if err != nil {
			return nil, publicRefusedServerless(s, err)
		}
		if wg, err = waitServerless(ctx, a, s, "workgroup", slAvailable, a.workgroupStatus); err != nil {
			return nil, err
		}
	}
	return wg, nil
}

// publicRefusedServerless turns Redshift Serverless's refusal of a public
// workgroup by the VPC (VPC Block Public Access) into a setting error.
func publicRefusedServerless(s Spec, err error) error {
	if _, ok := errors.AsType[*sltypes.ValidationException](err); ok && s.wantPublic() && strings.Contains(errorMessage(err), "Public Access") {
		return &SettingError{Setting: "PubliclyAccessible", Msg: fmt.Sprintf("the VPC does not allow a publicly accessible endpoint (AWS: %s); VPC Block Public Access or a VPC without an internet gateway does that. Add a Block Public Access exclusion for the subnets, or set {PubliclyAccessible}=false and reach the warehouse from inside the VPC ({IngressCIDR} a private CIDR)", errorMessage(err))}
	}
	return err
}

// namespaceStatus reads the namespace for waitServerless.
func (a *AWS) namespaceStatus(ctx context.Context, name string) (*sltypes.Namespace, string, error) {
	ns, err := a.getNamespace(ctx, name)
	if err != nil || ns == nil {
		return nil, gone, err
	}
	return ns, string(ns.Status), nil
}

// workgroupStatus reads the workgroup for waitServerless.
func (a *AWS) workgroupStatus(ctx context.Context, name string) (*sltypes.Workgroup, string, error) {
	wg, err := a.getWorkgroup(ctx, name)
	if err != nil || wg == nil {
		return nil, gone, err
	}
	return wg, string(wg.Status), nil
}

// waitServerless polls the namespace or workgroup named s.ClusterID until
// its status is until (AVAILABLE, or gone once deleted), bounded by
// s.WaitTimeout, logging each poll; it returns what the last poll read. A
// status from which until cannot follow (deleting or gone while waiting
// for AVAILABLE, back to available while waiting for deletion) ends the
// wait at once.
func waitServerless[T any](ctx context.Context, a *AWS, s Spec, what, until string, read func(context.Context, string) (T, string, error)) (T, error) {
	var zero T
	start := a.now()
	wctx, cancel := context.WithTimeout(ctx, s.WaitTimeout)
	defer cancel()
	delay, maxDelay := a.pollDelays()
	last := "unknown"
	timeout := func() error {
		return fmt.Errorf("the Redshift Serverless %s %s is still %q after %s, not %s: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT",
			what, s.ClusterID, last, s.WaitTimeout, until)
	}
	for {
		v, status, err := read(wctx, s.ClusterID)
		switch {
		case ctx.Err() != nil:
			return zero, ctx.Err()
		case wctx.Err() != nil:
			return zero, timeout()
		case err != nil:
			return zero, err
		}
		last = status
		a.Log.Info("waiting for the "+what, what, s.ClusterID, "until", until, "status", status,
			"elapsed", a.now().Sub(start).Round(time.Second).String(), "timeout", s.WaitTimeout.String())
		if status == until {
			return v, nil
		}
		if (until == slAvailable && (status == slDeleting || status == gone)) || (until == gone && status != slDeleting) {
			return zero, fmt.Errorf("the Redshift Serverless %s %s became %q while waiting until %s: run the phase again", what, s.ClusterID, status, until)
		}
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-wctx.Done():
			return zero, timeout()
		case <-time.After(delay):
		}
		delay = min(2*delay, maxDelay)
	}
}

// teardownServerless deletes the workgroup, then the namespace (with a
// final snapshot unless s.SkipFinalSnapshot), waiting until each is gone,
// then the ingress rules, the security group and the role, as Teardown
// does for a cluster. What does not exist is skipped, and a teardown
// stopped at any point finishes when run again.
func (a *AWS) teardownServerless(ctx context.Context, s Spec) error {
	st, err := a.readServerless(ctx, s)
	if err != nil {
		return err
	}
	if err := a.deleteWorkgroup(ctx, s, st.wg); err != nil {
		return err
	}
	if err := a.deleteNamespace(ctx, s, st.ns); err != nil {
		return err
	}
	if err := a.removeIngress(ctx, s); err != nil {
		return err
	}
	if st.role == nil {
		a.Log.Info("no IAM role to delete", "role", s.RoleName)
		return nil
	}
	return a.deleteRole(ctx, s)
}

// deleteWorkgroup deletes wg (read by teardownServerless), retrying while
// another operation runs on it, and waits until it is gone.
func (a *AWS) deleteWorkgroup(ctx context.Context, s Spec, wg *sltypes.Workgroup) error {
	return deleteServerless(ctx, a, s, "workgroup", wgStatus(wg), a.workgroupStatus, func() serverlessDeletion {
		in := &redshiftserverless.DeleteWorkgroupInput{WorkgroupName: aws.String(s.ClusterID)}
		return serverlessDeletion{op: "DeleteWorkgroup", call: func(ctx context.Context) error {
			_, err := a.Serverless.DeleteWorkgroup(ctx, in)
			return err
		}}
	})
}

// deleteNamespace deletes ns (read by teardownServerless) with its final
// snapshot, retrying while another operation runs on it, and waits until
// it is gone.
func (a *AWS) deleteNamespace(ctx context.Context, s Spec, ns *sltypes.Namespace) error {
	return deleteServerless(ctx, a, s, "namespace", nsStatus(ns), a.namespaceStatus, func() serverlessDeletion {
		in := &redshiftserverless.DeleteNamespaceInput{NamespaceName: aws.String(s.ClusterID)}
		if !s.SkipFinalSnapshot {
			in.FinalSnapshotName = aws.String(finalSnapshotID(s.ClusterID, a.now()))
		}
		return serverlessDeletion{op: "DeleteNamespace", logArgs: []any{"final_snapshot", aws.ToString(in.FinalSnapshotName)}, call: func(ctx context.Context) error {
			_, err := a.Serverless.DeleteNamespace(ctx, in)
			return err
		}}
	})
}

// serverlessDeletion is the Delete call of a namespace or workgroup, with
// what its log line adds.
type serverlessDeletion struct {
	op      string
	logArgs []any
	call    func(context.Context) error
}

// deleteServerless deletes the namespace or workgroup (what) named
// s.ClusterID whose status teardownServerless read: nothing when it is
// gone, the deletion prepare makes unless it is already DELETING, retried
// while another operation runs on it (done once AWS no longer finds it),
// then it waits until the resource is gone.
func deleteServerless[T any](ctx context.Context, a *AWS, s Spec, what, status string, read func(context.Context, string) (T, string, error), prepare func() serverlessDeletion) error {
	switch status {
	case gone:
		a.Log.Info("no Redshift Serverless "+what+" to delete", what, s.ClusterID)
		return nil
	case slDeleting:
		a.Log.Info("the "+what+" is already being deleted; waiting until it is gone", what, s.ClusterID)
	default:
		del := prepare()
		a.Log.Info("deleting the Redshift Serverless "+what, append([]any{what, s.ClusterID}, del.logArgs...)...)
		err := a.retryWhile(ctx, s, del.op, "the "+what+" is busy with another operation", isServerlessConflict, func(ctx context.Context) error {
			if err := del.call(ctx); !isServerlessNotFound(err) {
				return err
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	_, err := waitServerless(ctx, a, s, what, gone, read)
	return err
}

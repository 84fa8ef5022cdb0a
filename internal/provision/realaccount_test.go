package provision

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/testkit/awsfake"
)

// Tests of what real AWS accounts do and the idealised fake did not: each
// selects the fake's behaviour it needs.

// wantSettingError fails unless err is a *SettingError for setting whose
// message contains msg.
func wantSettingError(t *testing.T, err error, setting, msg string) {
	t.Helper()
	se, ok := errors.AsType[*SettingError](err)
	if !ok || se.Setting != setting || !strings.Contains(se.Msg, msg) {
		t.Fatalf("error %v, want a setting error for %s containing %q", err, setting, msg)
	}
}

func TestTwoClustersSharingARoleNameDoNotTouchEachOther(t *testing.T) {
	f := newFixture(t)
	prod := testSpec(t, nil)
	f.provision(t, prod)
	before := f.snapshot(t)
	f.fake.ResetCalls()

	other := testSpec(t, func(c *Settings) { c.ClusterID = "sparkify-dev" }) // same SPARKIFY_IAM_ROLE_NAME
	_, err := f.aws.Provision(context.Background(), other)
	wantSettingError(t, err, "IAMRoleName", `IAM role "sparkify-redshift-s3-read" belongs to cluster "sparkify" (tag sparkify-warehouse=sparkify), not to cluster "sparkify-dev"`)
	err = f.aws.Teardown(context.Background(), other)
	wantSettingError(t, err, "IAMRoleName", `belongs to cluster "sparkify"`)
	equalStrings(t, "writes of the other cluster's runs", writes(f.fake.Actions()), nil)
	if after := f.snapshot(t); after != before {
		t.Errorf("the other cluster's runs changed the first one's resources:\n%s\n%s", before, after)
	}
}

// TestEveryOwnerIsCheckedBeforeTheFirstWrite checks that a foreign role,
// found once the subnet group could already have been created, stops the
// run before anything is written.
func TestEveryOwnerIsCheckedBeforeTheFirstWrite(t *testing.T) {
	f := newFixture(t)
	f.fake.Do(func(st *awsfake.State) {
		st.Roles["sparkify-redshift-s3-read"] = &awsfake.Role{Name: "sparkify-redshift-s3-read", ARN: testRoleARN,
			Tags: map[string]string{TagKey: "sparkify-prod"}, Inline: map[string]string{}}
	})
	s := testSpec(t, func(c *Settings) { c.SubnetIDs = awsfake.OtherSubnets })
	_, err := f.aws.Provision(context.Background(), s)
	wantSettingError(t, err, "IAMRoleName", `belongs to cluster "sparkify-prod"`)
	equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	f.fake.Do(func(st *awsfake.State) {
		if len(st.SubnetGroups) != 0 {
			t.Errorf("subnet groups created: %v", st.SubnetGroups)
		}
	})
}

func TestOwnershipIsTheTagValue(t *testing.T) {
	otherTag := map[string]string{TagKey: "sparkify-dev"}
	tests := []struct {
		name    string
		mod     func(*Settings)
		plant   func(st *awsfake.State)
		setting string
		phases  []string
	}{
		{
			name: "cluster of another cluster's job",
			plant: func(st *awsfake.State) {
				st.Clusters["sparkify"] = &awsfake.Cluster{ID: "sparkify", Status: "available", Port: 5439, Tags: otherTag, VpcID: awsfake.DefaultVPC}
			},
			setting: "ClusterID", phases: []string{"provision", "teardown"},
		},
		{
			name: "subnet group of another cluster's job",
			mod:  func(c *Settings) { c.SubnetIDs = awsfake.OtherSubnets },
			plant: func(st *awsfake.State) {
				st.SubnetGroups["sparkify-warehouse-sparkify"] = &awsfake.SubnetGroup{Name: "sparkify-warehouse-sparkify", VpcID: awsfake.OtherVPC, Subnets: awsfake.OtherSubnets, Tags: otherTag}
			},
			setting: "SubnetIDs", phases: []string{"provision"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fake.Do(tt.plant)
			before := f.snapshot(t)
			s := testSpec(t, tt.mod)
			for _, phase := range tt.phases {
				var err error
				if phase == "provision" {
					_, err = f.aws.Provision(context.Background(), s)
				} else {
					err = f.aws.Teardown(context.Background(), s)
				}
				wantSettingError(t, err, tt.setting, `belongs to cluster "sparkify-dev"`)
			}
			if after := f.snapshot(t); after != before {
				t.Errorf("another cluster's %s changed:\n%s\n%s", tt.name, before, after)
			}
		})
	}

	// Teardown leaves a subnet group of its name that another cluster owns.
	f := newFixture(t)
	s := testSpec(t, nil)
	f.provision(t, s)
	f.fake.Do(tests[1].plant)
	f.teardown(t, s)
	f.fake.Do(func(st *awsfake.State) {
		if st.SubnetGroups["sparkify-warehouse-sparkify"] == nil {
			t.Error("teardown deleted a subnet group tagged for another cluster")
		}
	})
}

func TestTeardownKilledDuringFinalSnapshotResumes(t *testing.T) {
	f := newFixture(t)
	s := testSpec(t, nil)
	f.provision(t, s)
	f.fake.FinalSnapshotPolls = 1000
	f.fake.ResetCalls()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	t.Cleanup(cancel)
	if err := f.aws.Teardown(ctx, s); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first teardown: %v, want it killed", err)
	}
	f.fake.Do(func(st *awsfake.State) {
		if got := st.Clusters["sparkify"].Status; got != "final-snapshot" {
			t.Fatalf("status after the kill = %q", got)
		}
	})

	// Provision refuses the dying cluster before writing anything.
	f.fake.ResetCalls()
	_, err := f.aws.Provision(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), `cluster sparkify is "final-snapshot": it is being deleted`) {
		t.Errorf("provision during the final snapshot: %v", err)
	}
	// Only reads: a DescribeClusters of the killed teardown may still reach
	// the fake after the reset, so the exact count is not asserted.
	if calls := f.fake.Actions(); len(calls) == 0 || slices.ContainsFunc(calls, func(c string) bool { return c != "redshift:DescribeClusters" }) {
		t.Errorf("provision's calls = %q, want DescribeClusters only", calls)
	}

	f.fake.FinalSnapshotPolls = 1
	f.fake.ResetCalls()
	f.teardown(t, s)
	if slices.Contains(f.fake.Actions(), "redshift:DeleteCluster") {
		t.Errorf("the resumed teardown deleted the cluster again: %v", f.fake.Actions())
	}
	f.leftNothing(t)
	f.fake.Do(func(st *awsfake.State) {
		if st.Snapshots["sparkify-final-20240102-030405"] == nil {
			t.Errorf("final snapshot not kept: %v", st.Snapshots)
		}
	})
}

func TestTeardownFromAnyState(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		pending bool // "available" with a modification pending
		plant   func(cl *awsfake.Cluster)
		fail    string // DeleteCluster error code injected once
		writes  []string
	}{
		{name: "available", status: "available", writes: []string{"redshift:DeleteCluster"}},
		// DeleteCluster is refused (InvalidClusterState) while resuming and
		// modifying, and tried again until it is accepted.
		{name: "paused: resumed first", status: "paused", writes: []string{"redshift:ResumeCluster", "redshift:DeleteCluster", "redshift:DeleteCluster", "redshift:DeleteCluster"}},
		{name: "pausing: paused, then resumed", status: "pausing", writes: []string{"redshift:ResumeCluster", "redshift:DeleteCluster", "redshift:DeleteCluster", "redshift:DeleteCluster"}},
		{name: "resuming", status: "resuming", writes: []string{"redshift:DeleteCluster", "redshift:DeleteCluster"}},
		{name: "modifying", status: "modifying", writes: []string{"redshift:DeleteCluster", "redshift:DeleteCluster"}},
		{name: "available but modifying", status: "available", pending: true, writes: []string{"redshift:DeleteCluster"}},
		{name: "change deferred to the maintenance window", status: "available", plant: func(cl *awsfake.Cluster) {
			cl.Deferred = map[string]string{"NodeType": "ra3.xlplus"}
		}, writes: []string{"redshift:DeleteCluster"}},
		{name: "in its maintenance window", status: "available", plant: func(cl *awsfake.Cluster) { cl.Maintenance = true }, writes: []string{"redshift:DeleteCluster"}},
		{name: "incompatible-network", status: "incompatible-network", writes: []string{"redshift:DeleteCluster"}},
		{name: "deleting", status: "deleting"},
		{name: "final-snapshot", status: "final-snapshot"},
		{name: "concurrent operation retried", status: "available", fail: "InvalidClusterState", writes: []string{"redshift:DeleteCluster", "redshift:DeleteCluster"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			s := testSpec(t, func(c *Settings) { c.IngressCIDR = ""; c.SkipFinalSnapshot = true })
			f.provision(t, s)
			s.WaitTimeout = 2 * time.Second // what must wait has polled out long before
			f.fake.CreatingPolls, f.fake.DeletingPolls, f.fake.FinalSnapshotPolls = 1, 1, 1
			f.fake.Do(func(st *awsfake.State) {
				st.Clusters["sparkify"].Status = tt.status
				if tt.pending {
					st.Clusters["sparkify"].Pending = map[string]string{"PubliclyAccessible": "true"}
				}
				if tt.plant != nil {
					tt.plant(st.Clusters["sparkify"])
				}
			})
			if tt.fail != "" {
				f.fake.FailWith("DeleteCluster", tt.fail, "There is an operation running on the Cluster. Please try to delete it at a later time.", 400)
			}
			f.fake.ResetCalls()
			f.teardown(t, s)
			var cluster []string
			for _, w := range writes(f.fake.Actions()) {
				if strings.HasPrefix(w, "redshift:") {
					cluster = append(cluster, w)
				}
			}
			equalStrings(t, "cluster writes", cluster, tt.writes)
			f.leftNothing(t)
		})
	}
}

func TestProvisionWaitsLikeAWS(t *testing.T) {
	f := newFixture(t)
	f.fake.ModifyKeepsAvailable = true
	f.fake.CreatingPolls = 2
	s := testSpec(t, nil)
	f.provision(t, s)
	// Both repairs at once: the cluster stays "available" while the first
	// is applied, and refuses the second until then.
	f.fake.Do(func(st *awsfake.State) {
		st.Clusters["sparkify"].IamRoles = nil
		st.Clusters["sparkify"].PubliclyAccessible = false
	})
	f.fake.FailWith("ModifyCluster", "InvalidClusterState", awsfake.ConcurrentModificationMessage, 400)
	f.fake.ResetCalls()
	f.provision(t, s)
	equalStrings(t, "repairs", writes(f.fake.Actions()), []string{"redshift:ModifyClusterIamRoles", "redshift:ModifyCluster", "redshift:ModifyCluster"})
	if !strings.Contains(f.logs.String(), `detail="availability Modifying, role adding"`) {
		t.Errorf("the wait did not report the role being added:\n%s", f.logs)
	}
	f.fake.Do(func(st *awsfake.State) {
		cl := st.Clusters["sparkify"]
		if !cl.PubliclyAccessible || !slices.Contains(cl.IamRoles, testRoleARN) || len(cl.Pending)+len(cl.RolesAdding) != 0 {
			t.Errorf("cluster = %+v", cl)
		}
	})
}

func TestIAMReadLag(t *testing.T) {
	t.Run("fresh run", func(t *testing.T) {
		f := newFixture(t)
		f.fake.IAMReadLag = 3
		f.provision(t, testSpec(t, nil))
	})
	t.Run("re-run right after a failure", func(t *testing.T) {
		f := newFixture(t)
		f.fake.IAMReadLag = 2
		f.fake.Fail("PutRolePolicy", "ServiceFailure", 400)
		if _, err := f.aws.Provision(context.Background(), testSpec(t, nil)); err == nil {
			t.Fatal("first run succeeded")
		}
		f.fake.ResetCalls()
		f.provision(t, testSpec(t, nil))
		equalStrings(t, "IAM calls", slices.DeleteFunc(f.fake.Actions(), func(a string) bool { return !strings.HasPrefix(a, "iam:") }), []string{
			"iam:GetRole", "iam:CreateRole", "iam:GetRole", "iam:GetRole", "iam:ListAttachedRolePolicies", "iam:GetRolePolicy", "iam:PutRolePolicy",
		})
	})
}

func TestSubnetGroupAndDefaultVPC(t *testing.T) {
	t.Run("no default VPC and nothing set", func(t *testing.T) {
		f := newFixture(t)
		f.fake.NoDefaultVPC = true
		_, err := f.aws.Provision(context.Background(), testSpec(t, nil))
		wantSettingError(t, err, "SubnetGroup", "this region has no default VPC")
		equalStrings(t, "calls", f.fake.Actions(), []string{"redshift:DescribeClusters", "iam:GetRole", "ec2:DescribeVpcs"})
	})
	t.Run("subnet group made from subnets, then removed", func(t *testing.T) {
		f := newFixture(t)
		f.fake.NoDefaultVPC = true
		s := testSpec(t, func(c *Settings) { c.SubnetIDs = []string{awsfake.OtherSubnets[1], awsfake.OtherSubnets[0], " "} })
		f.provision(t, s)
		sg := f.call(t, "CreateClusterSubnetGroup")
		if sg.Get("ClusterSubnetGroupName") != "sparkify-warehouse-sparkify" || sg.Get("SubnetIds.SubnetIdentifier.1") != awsfake.OtherSubnets[0] ||
			sg.Get("SubnetIds.SubnetIdentifier.2") != awsfake.OtherSubnets[1] || sg.Get("Tags.Tag.1.Key") != TagKey || sg.Get("Tags.Tag.1.Value") != "sparkify" {
			t.Errorf("CreateClusterSubnetGroup = %v", sg)
		}
		if got := f.call(t, "CreateCluster").Get("ClusterSubnetGroupName"); got != "sparkify-warehouse-sparkify" {
			t.Errorf("ClusterSubnetGroupName = %q", got)
		}
		if got := f.call(t, "CreateSecurityGroup").Get("VpcId"); got != awsfake.OtherVPC {
			t.Errorf("security group in VPC %q, want the subnets' VPC", got)
		}
		f.fake.ResetCalls()
		f.provision(t, s)
		equalStrings(t, "writes of a second run", writes(f.fake.Actions()), nil)
		f.teardown(t, s)
		f.leftNothing(t)
	})
	t.Run("existing subnet group", func(t *testing.T) {
		f := newFixture(t)
		f.fake.NoDefaultVPC = true
		theirs := &awsfake.SubnetGroup{Name: "team-private", VpcID: awsfake.OtherVPC, Subnets: awsfake.OtherSubnets, Tags: map[string]string{}}
		f.fake.Do(func(st *awsfake.State) { st.SubnetGroups["team-private"] = theirs })
		s := testSpec(t, func(c *Settings) { c.SubnetGroup = "Team-Private" })
		f.provision(t, s)
		if got := f.call(t, "CreateCluster").Get("ClusterSubnetGroupName"); got != "team-private" {
			t.Errorf("ClusterSubnetGroupName = %q", got)
		}
		f.teardown(t, s)
		f.fake.Do(func(st *awsfake.State) {
			if st.SubnetGroups["team-private"] == nil {
				t.Error("teardown deleted a subnet group it did not create")
			}
		})
	})
	t.Run("missing subnet group", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.aws.Provision(context.Background(), testSpec(t, func(c *Settings) { c.SubnetGroup = "nope" }))
		wantSettingError(t, err, "SubnetGroup", `cluster subnet group "nope" does not exist`)
		equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	})
	t.Run("unknown subnet", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.aws.Provision(context.Background(), testSpec(t, func(c *Settings) { c.SubnetIDs = []string{"subnet-0123456789abcdef0"} }))
		wantSettingError(t, err, "SubnetIDs", "a subnet does not exist (AWS: The subnet ID 'subnet-0123456789abcdef0' does not exist)")
		equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	})
	t.Run("subnets of two VPCs", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.aws.Provision(context.Background(), testSpec(t, func(c *Settings) {
			c.SubnetIDs = []string{awsfake.OtherSubnets[0], awsfake.DefaultSubnets[0]}
		}))
		wantSettingError(t, err, "SubnetIDs", "name subnets of one VPC")
		equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	})
}

func TestSecurityGroup(t *testing.T) {
	const theirs = "sg-0ccccdddd00001111"
	plantTheirs := func(vpc string) func(st *awsfake.State) {
		return func(st *awsfake.State) {
			st.SecurityGroups[theirs] = &awsfake.SecurityGroup{ID: theirs, Name: "team", VpcID: vpc, Tags: map[string]string{}}
		}
	}
	t.Run("the default group is never changed", func(t *testing.T) {
		f := newFixture(t)
		// A rule an older version of the job added to the default group
		// moves to the cluster's own group.
		f.fake.Do(func(st *awsfake.State) {
			st.Rules["sgr-00000000000000099"] = &awsfake.Rule{ID: "sgr-00000000000000099", GroupID: awsfake.DefaultSecurityGroup, Protocol: "tcp",
				FromPort: 5439, ToPort: 5439, CIDRv4: "203.0.113.0/24", Tags: map[string]string{TagKey: "sparkify"}}
		})
		f.provision(t, testSpec(t, nil))
		group := f.ownGroup(t)
		f.fake.Do(func(st *awsfake.State) {
			for _, r := range st.Rules {
				if r.GroupID != group {
					t.Errorf("rule %+v is not in the cluster's own group %s", r, group)
				}
			}
			if got := st.Clusters["sparkify"].SecurityGroups; !slices.Equal(got, []string{group}) {
				t.Errorf("cluster groups = %v, want its own", got)
			}
		})
	})
	t.Run("group set after creation is attached", func(t *testing.T) {
		f := newFixture(t)
		f.provision(t, testSpec(t, nil))
		own := f.ownGroup(t)
		f.fake.Do(plantTheirs(awsfake.DefaultVPC))
		f.fake.ResetCalls()
		f.provision(t, testSpec(t, func(c *Settings) { c.SecurityGroupID = theirs }))
		equalStrings(t, "writes", writes(f.fake.Actions()), []string{"redshift:ModifyCluster", "ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress"})
		mod := f.call(t, "ModifyCluster")
		if mod.Get("VpcSecurityGroupIds.VpcSecurityGroupId.1") != own || mod.Get("VpcSecurityGroupIds.VpcSecurityGroupId.2") != theirs {
			t.Errorf("ModifyCluster = %v", mod)
		}
		if got := f.call(t, "AuthorizeSecurityGroupIngress").Get("GroupId"); got != theirs {
			t.Errorf("rule added to %s", got)
		}
	})
	t.Run("an untagged group with the job's name stops the run before any write", func(t *testing.T) {
		f := newFixture(t)
		f.fake.Do(func(st *awsfake.State) {
			st.SecurityGroups[theirs] = &awsfake.SecurityGroup{ID: theirs, Name: "sparkify-warehouse-sparkify", VpcID: awsfake.DefaultVPC, Tags: map[string]string{}}
		})
		_, err := f.aws.Provision(context.Background(), testSpec(t, nil))
		wantSettingError(t, err, "SecurityGroupID", `security group "sparkify-warehouse-sparkify in VPC `+awsfake.DefaultVPC+`" exists but was not created by this job`)
		equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	})
	t.Run("teardown leaves the user's tagged group", func(t *testing.T) {
		f := newFixture(t)
		f.fake.Do(func(st *awsfake.State) {
			plantTheirs(awsfake.DefaultVPC)(st)
			st.SecurityGroups[theirs].Tags[TagKey] = "sparkify" // as the README asks
		})
		s := testSpec(t, func(c *Settings) { c.SecurityGroupID = theirs })
		f.provision(t, s)
		f.teardown(t, s)
		f.fake.Do(func(st *awsfake.State) {
			if st.SecurityGroups[theirs] == nil {
				t.Errorf("teardown deleted %s, given as SPARKIFY_SECURITY_GROUP_ID", theirs)
			}
			if len(st.Rules) != 0 {
				t.Errorf("rules left: %v", st.Rules)
			}
		})
		if slices.Contains(f.fake.Actions(), "ec2:DeleteSecurityGroup") {
			t.Errorf("teardown called DeleteSecurityGroup: %v", f.fake.Actions())
		}
	})
	t.Run("group of another VPC", func(t *testing.T) {
		f := newFixture(t)
		f.fake.Do(plantTheirs(awsfake.OtherVPC))
		_, err := f.aws.Provision(context.Background(), testSpec(t, func(c *Settings) { c.SecurityGroupID = theirs }))
		wantSettingError(t, err, "SecurityGroupID", "is in VPC "+awsfake.OtherVPC+", the cluster in VPC "+awsfake.DefaultVPC)
	})
	t.Run("IPv6 ingress on an IPv4 cluster", func(t *testing.T) {
		f := newFixture(t)
		f.provision(t, testSpec(t, func(c *Settings) { c.SubnetIDs = awsfake.OtherSubnets }))
		f.fake.ResetCalls()
		_, err := f.aws.Provision(context.Background(), testSpec(t, func(c *Settings) {
			c.SubnetIDs, c.IPAddressType, c.IngressCIDR = awsfake.OtherSubnets, "dualstack", "2001:db8::/56"
		}))
		wantSettingError(t, err, "IngressCIDR", "cluster sparkify is IPv4-only")
		equalStrings(t, "writes", writes(f.fake.Actions()), nil)
	})
	t.Run("VPC Block Public Access", func(t *testing.T) {
		f := newFixture(t)
		f.fake.BlockPublicAccess = true
		_, err := f.aws.Provision(context.Background(), testSpec(t, nil))
		wantSettingError(t, err, "PubliclyAccessible", "the VPC does not allow a publicly accessible endpoint (AWS: VPC Block Public Access is turned on")
		f.provision(t, testSpec(t, func(c *Settings) { c.IngressCIDR, c.PubliclyAccessible = "10.0.0.0/16", false }))
	})
}

// passRoleDenial is what AWS answers when the caller may not pass the role,
// as the job policy's tag condition does for a role created moments ago.
const passRoleDenial = "User: arn:aws:sts::" + awsfake.Account + ":assumed-role/deployer/job is not authorized to perform: iam:PassRole on resource: " + testRoleARN

// TestYoungRoleWritesAreRetried checks that the writes that name a role
// created moments ago are retried, for a bounded time, while IAM does not
// show the role yet or does not let the job pass it, and not for an old
// role.
func TestYoungRoleWritesAreRetried(t *testing.T) {
	tests := []struct {
		name    string
		old     bool // the role exists, created a day ago
		managed bool
		action  string // the call that fails
		code    string
		message string
		fails   int
		wantErr string
		calls   int // calls of action
	}{
		{name: "PutRolePolicy on a new role", action: "PutRolePolicy", code: "NoSuchEntity", message: "The role with name sparkify-redshift-s3-read cannot be found.", fails: 2, calls: 3},
		{name: "AttachRolePolicy on a new role", managed: true, action: "AttachRolePolicy", code: "NoSuchEntity", message: "The role with name sparkify-redshift-s3-read cannot be found.", fails: 2, calls: 3},
		{name: "PutRolePolicy gives up", action: "PutRolePolicy", code: "NoSuchEntity", message: "The role with name sparkify-redshift-s3-read cannot be found.", fails: iamReadAttempts, calls: iamReadAttempts, wantErr: "PutRolePolicy"},
		{name: "PassRole denied for a new role", action: "CreateCluster", code: "AccessDenied", message: passRoleDenial, fails: 2, calls: 3},
		{name: "PassRole denied for an old role is final", old: true, action: "CreateCluster", code: "AccessDenied", message: passRoleDenial, fails: 1, calls: 1, wantErr: "lacks this permission"},
		{name: "another denial is final", action: "CreateCluster", code: "AccessDenied", message: "not authorized to perform: redshift:CreateCluster", fails: 1, calls: 1, wantErr: "lacks this permission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.old {
				f.fake.Do(func(st *awsfake.State) {
					st.Roles["sparkify-redshift-s3-read"] = &awsfake.Role{Name: "sparkify-redshift-s3-read", ARN: testRoleARN, TrustPolicy: trustPolicy(),
						Tags: map[string]string{TagKey: "sparkify"}, Inline: map[string]string{}, Created: testNow.Add(-24 * time.Hour)}
				})
			}
			for range tt.fails {
				f.fake.FailWith(tt.action, tt.code, tt.message, 403)
			}
			_, err := f.aws.Provision(context.Background(), testSpec(t, func(c *Settings) { c.ManagedS3Policy = tt.managed }))
			if got := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || !strings.Contains(got, tt.wantErr) {
				t.Fatalf("Provision: %v, want error %q\nlogs:\n%s", err, tt.wantErr, f.logs)
			}
			n := 0
			for _, a := range f.fake.Actions() {
				if strings.HasSuffix(a, ":"+tt.action) {
					n++
				}
			}
			if n != tt.calls {
				t.Errorf("%d %s calls, want %d: %v", n, tt.action, tt.calls, f.fake.Actions())
			}
		})
	}
}

package provision

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/testkit/awsfake"
)

// TestWaitClusterOutcomes checks how each way a cluster waiter ends is
// reported.
func TestWaitClusterOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		cluster *awsfake.Cluster // nil: no cluster
		fail    string           // DescribeClusters error code to inject
		until   string
		wantErr string // "": success
	}{
		{name: "available", cluster: &awsfake.Cluster{Status: "available"}, until: untilAvailable},
		{name: "deleted", until: untilDeleted},
		{
			name: "deleting while waiting until available", cluster: &awsfake.Cluster{Status: "deleting"}, until: untilAvailable,
			wantErr: `cluster sparkify became "deleting" while waiting until available: it is being deleted: run provision again once teardown has finished`,
		},
		{
			name: "modifying while waiting until deleted", cluster: &awsfake.Cluster{Status: "modifying"}, until: untilDeleted,
			wantErr: `cluster sparkify became "modifying" while waiting until deleted`,
		},
		{
			name: "gone while waiting until available", until: untilAvailable,
			wantErr: `cluster sparkify became "gone" while waiting until available: it was deleted while provision waited: run provision again`,
		},
		{
			name: "rebooting while waiting until deleted", cluster: &awsfake.Cluster{Status: "rebooting"}, until: untilDeleted,
			wantErr: `cluster sparkify became "rebooting" while waiting until deleted`,
		},
		{
			name: "rebooting until the timeout", cluster: &awsfake.Cluster{Status: "rebooting"}, until: untilAvailable,
			wantErr: `cluster sparkify is still "rebooting" after 50ms, not available: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT`,
		},
		{
			name: "final snapshot while waiting until deleted", cluster: &awsfake.Cluster{Status: "final-snapshot"}, until: untilDeleted,
			wantErr: `cluster sparkify is still "final-snapshot" after 50ms, not deleted: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT`,
		},
		{
			name: "available while modifying until the timeout", until: untilAvailable,
			cluster: &awsfake.Cluster{Status: "available", Pending: map[string]string{"PubliclyAccessible": "true"}},
			wantErr: `cluster sparkify is still "available" after 50ms, not available: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT`,
		},
		{
			name: "role still adding until the timeout", until: untilAvailable,
			cluster: &awsfake.Cluster{Status: "available", IamRoles: []string{testRoleARN}, RolesAdding: []string{testRoleARN}},
			wantErr: `cluster sparkify is still "available" after 50ms, not available: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT`,
		},
		{
			name: "paused ends the wait until available at once", cluster: &awsfake.Cluster{Status: "paused"}, until: untilAvailable,
			wantErr: `cluster sparkify became "paused" while waiting until available: it is paused: resume it (aws redshift resume-cluster --cluster-identifier sparkify), then run provision again`,
		},
		{
			name: "incompatible-network ends the wait at once", cluster: &awsfake.Cluster{Status: "incompatible-network"}, until: untilAvailable,
			wantErr: `cluster sparkify became "incompatible-network" while waiting until available: the cluster's network is unusable (subnet group, VPC or addresses): see the cluster's events, fix the network and run teardown and provision again`,
		},
		{
			name: "hardware-failure ends the wait at once", cluster: &awsfake.Cluster{Status: "hardware-failure"}, until: untilAvailable,
			wantErr: `cluster sparkify became "hardware-failure" while waiting until available: Redshift reports a hardware failure: see the cluster's events; reboot or restore it, or tear it down`,
		},
		{
			name: "call refused", cluster: &awsfake.Cluster{Status: "creating"}, fail: "UnsupportedOperation", until: untilAvailable,
			wantErr: "DescribeClusters: operation error Redshift: DescribeClusters, https response error StatusCode: 400, RequestID: req-1, api error UnsupportedOperation: injected failure of DescribeClusters",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fake.CreatingPolls, f.fake.DeletingPolls, f.fake.FinalSnapshotPolls = 1000, 1000, 1000
			if tt.cluster != nil {
				tt.cluster.ID = "sparkify"
				f.fake.Do(func(st *awsfake.State) { st.Clusters["sparkify"] = tt.cluster })
			}
			if tt.fail != "" {
				f.fake.Fail("DescribeClusters", tt.fail, 400)
			}
			s := testSpec(t, nil)
			s.WaitTimeout = 50 * time.Millisecond
			_, err := f.aws.waitCluster(context.Background(), s, tt.until)
			if polls := len(f.fake.Actions()); strings.Contains(tt.wantErr, " became ") && polls != 1 {
				t.Errorf("%d polls, want 1: a terminal status ends the wait at once", polls)
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("waitCluster until %s: error %q, want %q", tt.until, got, tt.wantErr)
			}
		})
	}
}

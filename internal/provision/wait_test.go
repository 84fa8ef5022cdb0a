package provision

import (
	"context"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/provision/awsfake"
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
			wantErr: `cluster sparkify became "deleting" while waiting until available`,
		},
		{
			name: "modifying while waiting until deleted", cluster: &awsfake.Cluster{Status: "modifying"}, until: untilDeleted,
			wantErr: `cluster sparkify became "modifying" while waiting until deleted`,
		},
		{
			name: "gone while waiting until available", until: untilAvailable,
			wantErr: `cluster sparkify is still "gone" after 50ms, not available: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT`,
		},
		{
			name: "rebooting until the timeout", cluster: &awsfake.Cluster{Status: "rebooting"}, until: untilDeleted,
			wantErr: `cluster sparkify is still "rebooting" after 50ms, not deleted: run the phase again to keep waiting (it resumes where it stopped), or raise SPARKIFY_WAIT_TIMEOUT`,
		},
		{
			name: "call refused", cluster: &awsfake.Cluster{Status: "creating"}, fail: "UnsupportedOperation", until: untilAvailable,
			wantErr: "DescribeClusters: operation error Redshift: DescribeClusters, https response error StatusCode: 400, RequestID: req-1, api error UnsupportedOperation: injected failure of DescribeClusters",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fake.CreatingPolls, f.fake.DeletingPolls = 1000, 1000
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

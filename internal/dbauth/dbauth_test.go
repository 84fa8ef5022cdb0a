package dbauth

import "testing"

func TestResolve(t *testing.T) {
	for _, tt := range []struct {
		name, host, cluster, workgroup string
		want                           Endpoint
		err                            bool
	}{
		{"cluster endpoint", "sparkify.c1a2b3c4d5e6.us-west-2.redshift.amazonaws.com", "other", "", Endpoint{Name: "sparkify", Region: "us-west-2"}, false},
		{"workgroup endpoint", "sparkify.123456789012.eu-west-1.redshift-serverless.amazonaws.com", "other", "", Endpoint{Serverless: true, Name: "sparkify", Region: "eu-west-1"}, false},
		{"workgroup named", "wg.123456789012.eu-west-1.redshift-serverless.amazonaws.com", "", "named", Endpoint{Serverless: true, Name: "named", Region: "eu-west-1"}, false},
		{"IP address: CLUSTER_ID", "127.0.0.1", "sparkify", "", Endpoint{Name: "sparkify"}, false},
		{"IP address: WORKGROUP", "127.0.0.1", "sparkify", "wg", Endpoint{Serverless: true, Name: "wg"}, false},
		{"private name: CLUSTER_ID", "warehouse.internal.example", "sparkify", "", Endpoint{Name: "sparkify"}, false},
		{"nothing to go by", "localhost", "", "", Endpoint{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(tt.host, tt.cluster, tt.workgroup)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("Resolve(%q, %q, %q) = %+v, %v; want %+v (error %v)", tt.host, tt.cluster, tt.workgroup, got, err, tt.want, tt.err)
			}
		})
	}
}

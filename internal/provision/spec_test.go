package provision

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/source"
)

func TestNewSpec(t *testing.T) {
	tests := []struct {
		name        string
		mod         func(*Settings)
		wantSetting string // "" means valid
		msg         string // a part of the error message
		check       func(t *testing.T, s Spec)
	}{
		{name: "defaults", check: func(t *testing.T, s Spec) {
			if s.Ingress.String() != "203.0.113.0/24" || !s.wantPublic() || len(s.Buckets) != 1 || s.Buckets[0] != "udacity-dend" {
				t.Errorf("spec = %+v", s)
			}
		}},
		{name: "staging bucket readable by COPY", mod: func(c *Settings) {
			c.StagingURI = source.Location{Scheme: "s3", Bucket: "my-staging", Path: "sparkify"}
		}, check: func(t *testing.T, s Spec) {
			if !slices.Equal(s.Buckets, []string{"my-staging", "udacity-dend"}) {
				t.Errorf("buckets = %q", s.Buckets)
			}
		}},
		{name: "no ingress", mod: func(c *Settings) { c.IngressCIDR, c.PubliclyAccessible = "", false }, check: func(t *testing.T, s Spec) {
			if s.Ingress.IsValid() || s.wantPublic() {
				t.Errorf("ingress = %v", s.Ingress)
			}
		}},
		{name: "whole IPv4 internet refused", mod: func(c *Settings) { c.IngressCIDR = "0.0.0.0/0" }, wantSetting: "IngressCIDR"},
		{name: "whole IPv6 internet refused", mod: func(c *Settings) { c.IngressCIDR = "::/0" }, wantSetting: "IngressCIDR"},
		{name: "whole internet when allowed", mod: func(c *Settings) { c.IngressCIDR = "0.0.0.0/0"; c.AllowPublic = true }},
		{name: "bare address is one host", mod: func(c *Settings) { c.IngressCIDR = "198.51.100.7" }, check: func(t *testing.T, s Spec) {
			if s.Ingress.String() != "198.51.100.7/32" {
				t.Errorf("ingress = %v", s.Ingress)
			}
		}},
		{name: "host bits set", mod: func(c *Settings) { c.IngressCIDR = "10.1.2.3/16" }, wantSetting: "IngressCIDR"},
		{name: "not a CIDR", mod: func(c *Settings) { c.IngressCIDR = "office" }, wantSetting: "IngressCIDR"},
		{name: "mapped IPv4", mod: func(c *Settings) { c.IngressCIDR = "::ffff:10.0.0.0/104" }, wantSetting: "IngressCIDR"},
		{name: "bad cluster id", mod: func(c *Settings) { c.ClusterID = "Sparkify_1" }, wantSetting: "ClusterID"},
		{name: "cluster id with double hyphen", mod: func(c *Settings) { c.ClusterID = "a--b" }, wantSetting: "ClusterID"},
		{name: "zero nodes", mod: func(c *Settings) { c.NodeCount = 0 }, wantSetting: "NodeCount"},
		{name: "bad node type", mod: func(c *Settings) { c.NodeType = "large" }, wantSetting: "NodeType"},
		{name: "bad database name", mod: func(c *Settings) { c.DBName = "1db" }, wantSetting: "DBName"},
		{name: "public user", mod: func(c *Settings) { c.DBUser = "public" }, wantSetting: "DBUser"},
		{name: "weak password", mod: func(c *Settings) { c.DBPassword = "alllowercase1" }, wantSetting: "DBPassword"},
		{name: "password with @", mod: func(c *Settings) { c.DBPassword = "Abcdefg1@x" }, wantSetting: "DBPassword"},
		{name: "port out of range", mod: func(c *Settings) { c.DBPort = 80 }, wantSetting: "DBPort"},
		{name: "ra3 port outside its ranges", mod: func(c *Settings) { c.DBPort = 5500 }, wantSetting: "DBPort"},
		{name: "ra3 port in the upper range", mod: func(c *Settings) { c.DBPort = 8200 }},
		{name: "dc2 is retired", mod: func(c *Settings) { c.NodeType = "dc2.large" }, wantSetting: "NodeType", msg: "retired"},
		{name: "dc2.8xlarge is retired", mod: func(c *Settings) { c.NodeType, c.NodeCount = "dc2.8xlarge", 2 }, wantSetting: "NodeType", msg: "DC2"},
		{name: "ds2 is retired", mod: func(c *Settings) { c.NodeType = "ds2.xlarge" }, wantSetting: "NodeType", msg: "DS2"},
		{name: "unknown node type", mod: func(c *Settings) { c.NodeType = "foo.bar" }, wantSetting: "NodeType", msg: "ra3.16xlarge, ra3.4xlarge, ra3.large, ra3.xlplus"},
		{name: "ra3.large up to 16 nodes", mod: func(c *Settings) { c.NodeCount = 16 }},
		{name: "ra3.large has no 64-node clusters", mod: func(c *Settings) { c.NodeCount = 64 }, wantSetting: "NodeCount", msg: "1 (single-node) to 16"},
		{name: "ra3.16xlarge with 128 nodes", mod: func(c *Settings) { c.NodeType, c.NodeCount = "ra3.16xlarge", 128 }},
		{name: "ra3.16xlarge with 129 nodes", mod: func(c *Settings) { c.NodeType, c.NodeCount = "ra3.16xlarge", 129 }, wantSetting: "NodeCount"},
		{name: "ra3.xlplus single-node", mod: func(c *Settings) { c.NodeType = "ra3.xlplus" }},
		{name: "single-node ra3.4xlarge", mod: func(c *Settings) { c.NodeType = "ra3.4xlarge" }, wantSetting: "NodeCount", msg: "use 2 to 32"},
		{name: "reserved master user", mod: func(c *Settings) { c.DBUser = "user" }, wantSetting: "DBUser", msg: "reserved word"},
		{name: "reserved master user with digits", mod: func(c *Settings) { c.DBUser = "aes256" }, wantSetting: "DBUser"},
		{name: "private ingress is not public", mod: func(c *Settings) { c.IngressCIDR, c.PubliclyAccessible = "10.0.0.0/16", false }, check: func(t *testing.T, s Spec) {
			if s.wantPublic() || !s.wantIngress() {
				t.Errorf("public %v, ingress %v", s.wantPublic(), s.wantIngress())
			}
		}},
		{name: "public ingress needs a public endpoint", mod: func(c *Settings) { c.PubliclyAccessible = false }, wantSetting: "IngressCIDR", msg: "PubliclyAccessible"},
		{name: "public without ingress", mod: func(c *Settings) { c.IngressCIDR = "" }, check: func(t *testing.T, s Spec) {
			if !s.wantPublic() || s.wantIngress() {
				t.Errorf("public %v, ingress %v", s.wantPublic(), s.wantIngress())
			}
		}},
		{name: "unknown deployment", mod: func(c *Settings) { c.RedshiftDeployment = "cloud" }, wantSetting: "RedshiftDeployment"},
		{name: "serverless ignores the node type", mod: func(c *Settings) { c.RedshiftDeployment, c.NodeType = "serverless", "dc2.large" }, check: func(t *testing.T, s Spec) {
			if !s.Serverless || s.BaseRPU != 4 {
				t.Errorf("spec = %+v", s)
			}
		}},
		{name: "serverless base capacity 520", mod: func(c *Settings) { c.RedshiftDeployment, c.ServerlessBaseRPU = "serverless", 520 }, wantSetting: "ServerlessBaseRPU"},
		{name: "serverless base capacity 544", mod: func(c *Settings) { c.RedshiftDeployment, c.ServerlessBaseRPU = "serverless", 544 }},
		{name: "serverless base capacity 12", mod: func(c *Settings) { c.RedshiftDeployment, c.ServerlessBaseRPU = "serverless", 12 }, wantSetting: "ServerlessBaseRPU"},
		{name: "serverless name too short", mod: func(c *Settings) { c.RedshiftDeployment, c.ClusterID = "serverless", "ab" }, wantSetting: "ClusterID"},
		{name: "database name with a digit", mod: func(c *Settings) { c.DBName = "sparkify2" }, wantSetting: "DBName"},
		{name: "database name with an underscore", mod: func(c *Settings) { c.DBName = "spark_ify" }, wantSetting: "DBName"},
		{name: "reserved database name", mod: func(c *Settings) { c.DBName = "user" }, wantSetting: "DBName"},
		{name: "IPv6 ingress on an IPv4 cluster", mod: func(c *Settings) { c.IngressCIDR = "2001:db8::/56" }, wantSetting: "IngressCIDR"},
		{name: "dual-stack in the default VPC", mod: func(c *Settings) { c.IPAddressType = "dualstack" }, wantSetting: "IPAddressType"},
		{name: "unknown address type", mod: func(c *Settings) { c.IPAddressType = "ipv6" }, wantSetting: "IPAddressType"},
		{name: "dual-stack IPv6 ingress", mod: func(c *Settings) {
			c.IPAddressType, c.SubnetGroup, c.IngressCIDR = "dualstack", "private", "2001:db8::/56"
		}, check: func(t *testing.T, s Spec) {
			if !s.DualStack || s.subnetGroupName() != "private" {
				t.Errorf("spec = %+v", s)
			}
		}},
		{name: "subnet group and subnets", mod: func(c *Settings) {
			c.SubnetGroup, c.SubnetIDs = "private", []string{"subnet-0123456789abcdef0"}
		}, wantSetting: "SubnetIDs"},
		{name: "bad subnet id", mod: func(c *Settings) { c.SubnetIDs = []string{"subnet-xyz"} }, wantSetting: "SubnetIDs"},
		{name: "bad subnet group", mod: func(c *Settings) { c.SubnetGroup = "my group" }, wantSetting: "SubnetGroup"},
		{name: "subnets sorted and deduplicated", mod: func(c *Settings) {
			c.SubnetIDs = []string{"subnet-0bbbbbbbbbbbbbbbb", " subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb", ""}
		}, check: func(t *testing.T, s Spec) {
			if !slices.Equal(s.SubnetIDs, []string{"subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"}) || s.subnetGroupName() != "sparkify-warehouse-sparkify" {
				t.Errorf("subnets = %q, group %q", s.SubnetIDs, s.subnetGroupName())
			}
		}},
		{name: "bad role name", mod: func(c *Settings) { c.IAMRoleName = "a role" }, wantSetting: "IAMRoleName"},
		{name: "bad security group", mod: func(c *Settings) { c.SecurityGroupID = "default" }, wantSetting: "SecurityGroupID"},
		{name: "zero timeout", mod: func(c *Settings) { c.WaitTimeout = 0 }, wantSetting: "WaitTimeout"},
		{name: "bad jsonpath URI", mod: func(c *Settings) { c.LogJSONPath = "http://x/y" }, wantSetting: "LogJSONPath"},
		{name: "no S3 source", mod: func(c *Settings) {
			c.SongData, c.LogData = source.Location{Scheme: "file", Path: "/d/song"}, source.Location{Scheme: "file", Path: "/d/log"}
			c.LogJSONPath = "file:///d/p.json"
		}, wantSetting: "SongData"},
		{name: "no S3 source with the managed policy", mod: func(c *Settings) {
			c.SongData, c.LogData = source.Location{Scheme: "file", Path: "/d/song"}, source.Location{Scheme: "file", Path: "/d/log"}
			c.LogJSONPath = "file:///d/p.json"
			c.ManagedS3Policy = true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.mod != nil {
				tt.mod(&cfg)
			}
			s, err := NewSpec(cfg)
			switch {
			case tt.wantSetting == "" && err != nil:
				t.Fatalf("NewSpec: %v", err)
			case tt.wantSetting != "" && !isSettingError(t, err, tt.wantSetting):
				t.Fatalf("NewSpec: error %v, want a setting error for %s", err, tt.wantSetting)
			}
			if tt.msg != "" && (err == nil || !strings.Contains(err.Error(), tt.msg)) {
				t.Errorf("error %v does not say %q", err, tt.msg)
			}
			if cfg.DBPassword != "" && err != nil && strings.Contains(err.Error(), cfg.DBPassword) {
				t.Errorf("the error shows the password: %v", err)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

func TestSamePolicy(t *testing.T) {
	want := trustPolicy()
	tests := []struct {
		name string
		got  string
		same bool
	}{
		{"identical", want, true},
		{"URL-encoded, as IAM returns it", "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22redshift.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D", true},
		{"reformatted, action as a list", `{ "Statement": [ { "Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": "redshift.amazonaws.com"} } ], "Version": "2012-10-17" }`, true},
		{"other principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, false},
		{"not JSON", "garbage", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := samePolicy(tt.got, want); got != tt.same {
				t.Errorf("samePolicy = %v, want %v", got, tt.same)
			}
		})
	}
}

func TestDatabase(t *testing.T) {
	tests := []struct {
		name, url, confirm string
		wantSetting        string
	}{
		{name: "confirmed", url: "postgres://u:p@127.0.0.1:5432/sparkify", confirm: "sparkify"},
		{name: "not confirmed", url: "postgres://u:p@127.0.0.1:5432/sparkify", confirm: "", wantSetting: "TeardownConfirm"},
		{name: "confirmed another name", url: "postgres://u:p@127.0.0.1:5432/sparkify", confirm: "Sparkify", wantSetting: "TeardownConfirm"},
		{name: "the server's own database", url: "postgres://u:p@127.0.0.1:5432/postgres", confirm: "postgres", wantSetting: "DatabaseURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDatabase(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			err = d.CheckDrop(tt.confirm)
			switch {
			case tt.wantSetting == "" && err != nil:
				t.Fatalf("CheckDrop: %v", err)
			case tt.wantSetting != "" && !isSettingError(t, err, tt.wantSetting):
				t.Fatalf("CheckDrop: error %v, want a setting error for %s", err, tt.wantSetting)
			}
		})
	}
}

// isSettingError reports whether err is a *SettingError for setting, which
// must be a field of config.Config that a variable sets.
func isSettingError(t *testing.T, err error, setting string) bool {
	t.Helper()
	if f, ok := reflect.TypeFor[config.Config]().FieldByName(setting); !ok || f.Tag.Get("envconfig") == "" {
		t.Fatalf("no variable sets config.Config field %q", setting)
	}
	var se *SettingError
	return errors.As(err, &se) && se.Setting == setting
}

package provision

import (
	"errors"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/source"
)

func TestNewSpec(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*config.Config)
		wantVar string // "" means valid
		check   func(t *testing.T, s Spec)
	}{
		{name: "defaults", check: func(t *testing.T, s Spec) {
			if s.Ingress.String() != "203.0.113.0/24" || !s.wantPublic() || len(s.Buckets) != 1 || s.Buckets[0] != "udacity-dend" {
				t.Errorf("spec = %+v", s)
			}
		}},
		{name: "no ingress", mod: func(c *config.Config) { c.IngressCIDR = "" }, check: func(t *testing.T, s Spec) {
			if s.Ingress.IsValid() || s.wantPublic() {
				t.Errorf("ingress = %v", s.Ingress)
			}
		}},
		{name: "whole IPv4 internet refused", mod: func(c *config.Config) { c.IngressCIDR = "0.0.0.0/0" }, wantVar: "INGRESS_CIDR"},
		{name: "whole IPv6 internet refused", mod: func(c *config.Config) { c.IngressCIDR = "::/0" }, wantVar: "INGRESS_CIDR"},
		{name: "whole internet when allowed", mod: func(c *config.Config) { c.IngressCIDR = "0.0.0.0/0"; c.AllowPublic = true }},
		{name: "bare address is one host", mod: func(c *config.Config) { c.IngressCIDR = "198.51.100.7" }, check: func(t *testing.T, s Spec) {
			if s.Ingress.String() != "198.51.100.7/32" {
				t.Errorf("ingress = %v", s.Ingress)
			}
		}},
		{name: "host bits set", mod: func(c *config.Config) { c.IngressCIDR = "10.1.2.3/16" }, wantVar: "INGRESS_CIDR"},
		{name: "not a CIDR", mod: func(c *config.Config) { c.IngressCIDR = "office" }, wantVar: "INGRESS_CIDR"},
		{name: "mapped IPv4", mod: func(c *config.Config) { c.IngressCIDR = "::ffff:10.0.0.0/104" }, wantVar: "INGRESS_CIDR"},
		{name: "bad cluster id", mod: func(c *config.Config) { c.ClusterID = "Sparkify_1" }, wantVar: "CLUSTER_ID"},
		{name: "cluster id with double hyphen", mod: func(c *config.Config) { c.ClusterID = "a--b" }, wantVar: "CLUSTER_ID"},
		{name: "zero nodes", mod: func(c *config.Config) { c.NodeCount = 0 }, wantVar: "NODE_COUNT"},
		{name: "bad node type", mod: func(c *config.Config) { c.NodeType = "large" }, wantVar: "NODE_TYPE"},
		{name: "bad database name", mod: func(c *config.Config) { c.DBName = "1db" }, wantVar: "DB_NAME"},
		{name: "public user", mod: func(c *config.Config) { c.DBUser = "public" }, wantVar: "DB_USER"},
		{name: "weak password", mod: func(c *config.Config) { c.DBPassword = "alllowercase1" }, wantVar: "DB_PASSWORD"},
		{name: "password with @", mod: func(c *config.Config) { c.DBPassword = "Abcdefg1@x" }, wantVar: "DB_PASSWORD"},
		{name: "port out of range", mod: func(c *config.Config) { c.DBPort = 80 }, wantVar: "DB_PORT"},
		{name: "bad role name", mod: func(c *config.Config) { c.IAMRoleName = "a role" }, wantVar: "IAM_ROLE_NAME"},
		{name: "bad security group", mod: func(c *config.Config) { c.SecurityGroupID = "default" }, wantVar: "SECURITY_GROUP_ID"},
		{name: "zero timeout", mod: func(c *config.Config) { c.WaitTimeout = 0 }, wantVar: "WAIT_TIMEOUT"},
		{name: "bad jsonpath URI", mod: func(c *config.Config) { c.LogJSONPath = "http://x/y" }, wantVar: "LOG_JSONPATH"},
		{name: "no S3 source", mod: func(c *config.Config) {
			c.SongData, c.LogData = source.Location{Scheme: "file", Path: "/d/song"}, source.Location{Scheme: "file", Path: "/d/log"}
			c.LogJSONPath = "file:///d/p.json"
		}, wantVar: "SONG_DATA"},
		{name: "no S3 source with the managed policy", mod: func(c *config.Config) {
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
			var ce *config.Error
			switch {
			case tt.wantVar == "" && err != nil:
				t.Fatalf("NewSpec: %v", err)
			case tt.wantVar != "" && (!errors.As(err, &ce) || ce.Var != tt.wantVar):
				t.Fatalf("NewSpec: error %v, want a configuration error for %s", err, tt.wantVar)
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
		wantVar            string
	}{
		{name: "confirmed", url: "postgres://u:p@127.0.0.1:5432/sparkify", confirm: "sparkify"},
		{name: "not confirmed", url: "postgres://u:p@127.0.0.1:5432/sparkify", confirm: "", wantVar: "TEARDOWN_CONFIRM"},
		{name: "confirmed another name", url: "postgres://u:p@127.0.0.1:5432/sparkify", confirm: "Sparkify", wantVar: "TEARDOWN_CONFIRM"},
		{name: "the server's own database", url: "postgres://u:p@127.0.0.1:5432/postgres", confirm: "postgres", wantVar: "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDatabase(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			err = d.CheckDrop(tt.confirm)
			var ce *config.Error
			switch {
			case tt.wantVar == "" && err != nil:
				t.Fatalf("CheckDrop: %v", err)
			case tt.wantVar != "" && (!errors.As(err, &ce) || ce.Var != tt.wantVar):
				t.Fatalf("CheckDrop: error %v, want a configuration error for %s", err, tt.wantVar)
			}
		})
	}
}

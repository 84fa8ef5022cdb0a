package provision

import (
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sparkify/warehouse/internal/source"
)

// TagKey is the tag that marks the role, cluster, subnet group, security
// group and ingress rule as created by this job. Its value is the cluster
// identifier: a resource belongs to a cluster only when the value is that
// cluster's identifier, so two clusters never adopt each other's resources.
const TagKey = "sparkify-warehouse"

// InlinePolicyName is the name of the role's inline S3 read policy.
const InlinePolicyName = "sparkify-s3-read"

// managedPolicyName is the AWS managed policy attached instead of the inline
// one when SPARKIFY_IAM_MANAGED_POLICY=true.
const managedPolicyName = "AmazonS3ReadOnlyAccess"

// Secret is a value that must never be logged or printed. Its String,
// GoString and LogValue methods return a placeholder.
type Secret string

// String, GoString, LogValue and MarshalText hide the value from fmt, slog
// and encoders.
func (Secret) String() string                 { return "[redacted]" }
func (Secret) GoString() string               { return "[redacted]" }
func (Secret) LogValue() slog.Value           { return slog.StringValue("[redacted]") }
func (s Secret) reveal() string               { return string(s) }
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Spec is the validated redshift provisioning configuration.
type Spec struct {
	ClusterID         string
	NodeType          string
	NodeCount         int
	DBName            string
	DBUser            string
	Password          Secret // empty: AWS Secrets Manager manages it
	Port              int
	RoleName          string
	ManagedPolicy     bool
	Buckets           []string     // source buckets the inline policy allows, sorted
	Ingress           netip.Prefix // zero (not IsValid) when no ingress is requested
	SecurityGroupID   string       // empty: the group provision creates for the cluster
	SubnetGroup       string       // an existing subnet group; empty: SubnetIDs or the default VPC
	SubnetIDs         []string     // subnets of the subnet group the job creates, sorted
	DualStack         bool         // IpAddressType dualstack
	WaitTimeout       time.Duration
	SkipFinalSnapshot bool
	Public            bool // PubliclyAccessible: a public endpoint
	Serverless        bool // a namespace and a workgroup instead of a cluster
	BaseRPU           int  // the workgroup's base capacity
}

var (
	clusterIDRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	dbNameRe    = regexp.MustCompile(`^[a-z]{1,64}$`)
	dbUserRe    = regexp.MustCompile(`^[a-z][a-z0-9_+.@-]{0,127}$`)
	roleNameRe  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	sgIDRe      = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)
	subnetIDRe  = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
	subnetGrpRe = regexp.MustCompile(`^[a-z0-9-]{1,255}$`)
)

// nodeRange is how many nodes CreateCluster accepts for a node type.
type nodeRange struct{ min, max int }

// nodeTypes are the node types CreateCluster accepts for new clusters, with
// the node range of each ("Node range with create cluster"), from the
// "Amazon Redshift provisioned clusters" page of the Amazon Redshift
// Management Guide
// (https://docs.aws.amazon.com/redshift/latest/mgmt/working-with-clusters.html)
// and the NodeType values of the CreateCluster API reference
// (https://docs.aws.amazon.com/redshift/latest/APIReference/API_CreateCluster.html).
// A 1 as min means single-node clusters exist for the type. Elastic resize
// can grow some types further after creation; that is not provision's job.
var nodeTypes = map[string]nodeRange{
	"ra3.large":    {1, 16},
	"ra3.xlplus":   {1, 16},
	"ra3.4xlarge":  {2, 32},
	"ra3.16xlarge": {2, 128},
}

// retiredFamilies are node families AWS has retired: DC2 (the last one
// CreateCluster still lists), DS2 and DC1. New clusters cannot use them.
var retiredFamilies = []string{"dc2", "ds2", "dc1"}

// reservedWords are Redshift's reserved words, from "Reserved words" in the
// Amazon Redshift Database Developer Guide
// (https://docs.aws.amazon.com/redshift/latest/dg/r_pg_keywords.html).
// CreateCluster refuses them as DBName and as MasterUsername
// (https://docs.aws.amazon.com/redshift/latest/APIReference/API_CreateCluster.html),
// CreateNamespace as adminUsername.
var reservedWords = append(strings.Fields(`aes128 aes256 az64 bzip2 current_date current_time current_timestamp
	current_user current_user_id delta32k globaldict256 globaldict64k mostly13 mostly32 mostly8
	session_user text255 text32k zstd`), letterReservedWords...)

// letterReservedWords are the reserved words that consist of letters only.
var letterReservedWords = strings.Fields(`aes all allowoverwrite analyse analyze and any array as asc authorization
	backup between binary blanksasnull both bytedict case cast check collate column constraint create
	credentials cross default deferrable deflate defrag delta desc disable distinct do else emptyasnull
	enable encode encrypt encryption end except explicit false for foreign freeze from full grant group
	gzip having identity ignore ilike in initially inner intersect interval into is isnull join language
	leading left like limit localtime localtimestamp lun luns lzo lzop minus natural new not notnull null
	nulls off offline offset oid old on only open or order outer overlaps parallel partition percent
	permissions pivot placing primary raw readratio recover references rejectlog resort respect restore
	right select similar snapshot some sysdate system table tag tdes then timestamp to top trailing true
	truncatecolumns union unique unnest unpivot user using verbose wallet when where with without`)

// NewSpec validates the provision settings. A value the user must fix is
// reported as a *SettingError naming the setting.
func NewSpec(set Settings) (Spec, error) {
	s := Spec{
		ClusterID:         set.ClusterID,
		NodeType:          set.NodeType,
		NodeCount:         set.NodeCount,
		DBName:            set.DBName,
		DBUser:            set.DBUser,
		Password:          Secret(set.DBPassword),
		Port:              set.DBPort,
		RoleName:          set.IAMRoleName,
		ManagedPolicy:     set.ManagedS3Policy,
		SecurityGroupID:   set.SecurityGroupID,
		SubnetGroup:       strings.ToLower(set.SubnetGroup),
		WaitTimeout:       set.WaitTimeout,
		SkipFinalSnapshot: set.SkipFinalSnapshot,
	}
	if err := s.setDeployment(set.RedshiftDeployment, set.ServerlessBaseRPU); err != nil {
		return s, err
	}
	if err := s.checkDatabase(); err != nil {
		return s, err
	}
	if err := s.checkAccess(); err != nil {
		return s, err
	}
	if err := s.setNetwork(set); err != nil {
		return s, err
	}
	if s.WaitTimeout <= 0 {
		return s, &SettingError{Setting: "WaitTimeout", Msg: "must be a positive duration such as 30m"}
	}
	if err := s.setIngress(set); err != nil {
		return s, err
	}
	return s, s.setBuckets(set)
}

// setDeployment validates the cluster identifier and what provision
// creates: a provisioned cluster (its nodes) or a serverless namespace and
// workgroup (its base capacity).
func (s *Spec) setDeployment(deployment string, baseRPU int) error {
	if !clusterIDRe.MatchString(s.ClusterID) || strings.Contains(s.ClusterID, "--") || strings.HasSuffix(s.ClusterID, "-") {
		return &SettingError{Setting: "ClusterID", Msg: fmt.Sprintf("%q is not a Redshift cluster identifier: use 1 to 63 lower-case letters, digits and single hyphens, starting with a letter", s.ClusterID)}
	}
	switch deployment {
	case "", "provisioned":
		return s.checkNodes()
	case "serverless":
		s.Serverless = true
		s.BaseRPU = baseRPU
		if len(s.ClusterID) < 3 {
			return &SettingError{Setting: "ClusterID", Msg: fmt.Sprintf("%q is too short for a Redshift Serverless namespace and workgroup name, which take 3 to 64 characters", s.ClusterID)}
		}
		if msg := checkBaseRPU(s.BaseRPU); msg != "" {
			return &SettingError{Setting: "ServerlessBaseRPU", Msg: msg}
		}
		return nil
	}
	return &SettingError{Setting: "RedshiftDeployment", Msg: fmt.Sprintf("%q is not provisioned (a cluster) or serverless (a namespace and a workgroup)", deployment)}
}

// checkDatabase validates the database name, the master user, its
// password and the port.
func (s Spec) checkDatabase() error {
	if !dbNameRe.MatchString(s.DBName) || slices.Contains(reservedWords, s.DBName) {
		return &SettingError{Setting: "DBName", Msg: fmt.Sprintf("%q is not a database name Redshift accepts: use 1 to 64 lower-case letters (no digits, no _), not a reserved word", s.DBName)}
	}
	if !dbUserRe.MatchString(s.DBUser) || s.DBUser == "public" {
		return &SettingError{Setting: "DBUser", Msg: fmt.Sprintf("%q is not a master user name: use up to 128 lower-case letters, digits and _+.@-, starting with a letter, not \"public\"", s.DBUser)}
	}
	if slices.Contains(reservedWords, s.DBUser) {
		return &SettingError{Setting: "DBUser", Msg: fmt.Sprintf("%q is a Redshift reserved word, which Redshift refuses as the master user name: choose another name, such as sparkify or awsuser", s.DBUser)}
	}
	if s.Password != "" {
		if msg := checkPassword(s.Password.reveal()); msg != "" {
			return &SettingError{Setting: "DBPassword", Msg: msg + " (or leave it empty to let AWS Secrets Manager manage the password)"}
		}
	}
	portFor := s.NodeType
	if s.Serverless {
		portFor = "ra3." // a workgroup accepts the ports of RA3 clusters
	}
	if msg := checkPort(portFor, s.Port); msg != "" {
		return &SettingError{Setting: "DBPort", Msg: msg}
	}
	return nil
}

// checkAccess validates the role's name and the security group given for
// the ingress rule.
func (s Spec) checkAccess() error {
	if !roleNameRe.MatchString(s.RoleName) {
		return &SettingError{Setting: "IAMRoleName", Msg: fmt.Sprintf("%q is not an IAM role name: use 1 to 64 letters, digits and +=,.@_-", s.RoleName)}
	}
	if s.SecurityGroupID != "" && !sgIDRe.MatchString(s.SecurityGroupID) {
		return &SettingError{Setting: "SecurityGroupID", Msg: fmt.Sprintf("%q is not a security group id such as sg-0123456789abcdef0", s.SecurityGroupID)}
	}
	return nil
}

// setIngress validates the ingress CIDR against the endpoint it must
// reach: IPv6 needs a dual-stack network, a public range a public endpoint.
func (s *Spec) setIngress(set Settings) error {
	ingress, err := ParseIngress(set.IngressCIDR, set.AllowPublic)
	if err != nil {
		return err
	}
	s.Ingress = ingress
	s.Public = set.PubliclyAccessible
	if ingress.IsValid() && !ingress.Addr().Is4() && !s.DualStack {
		return &SettingError{Setting: "IngressCIDR", Msg: fmt.Sprintf("%s is an IPv6 CIDR, which admits nothing to an IPv4-only cluster: use an IPv4 CIDR, or set {IPAddressType}=dualstack with {SubnetGroup} or {SubnetIDs} naming subnets that have IPv6 ranges", ingress)}
	}
	if ingress.IsValid() && !s.Public && !privateRange(ingress) {
		return &SettingError{Setting: "IngressCIDR", Msg: fmt.Sprintf("%s is a public address range, which reaches only a publicly accessible endpoint: set {PubliclyAccessible}=true for a public endpoint, or give the private CIDR of the network inside the VPC (such as 10.0.0.0/16) that connects to it", ingress)}
	}
	return nil
}

// setBuckets sets the buckets the inline policy allows; without them only
// the managed policy lets Redshift read anything.
func (s *Spec) setBuckets(set Settings) error {
	buckets, err := sourceBuckets(set)
	if err != nil {
		return err
	}
	s.Buckets = buckets
	if len(s.Buckets) == 0 && !s.ManagedPolicy {
		return &SettingError{Setting: "SongData", Msg: "no source is in S3 ({SongData:short}, {LogData:short} and {LogJSONPath:short} are all file://): Redshift loads only from s3://bucket/prefix"}
	}
	return nil
}

// ParseIngress validates SPARKIFY_INGRESS_CIDR. An empty value means no
// ingress and returns the zero Prefix. A bare address means that host only
// (/32 or /128). A prefix that admits every address (0.0.0.0/0, ::/0) is
// refused unless allowPublic is true.
func ParseIngress(v string, allowPublic bool) (netip.Prefix, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return netip.Prefix{}, nil
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		a, aerr := netip.ParseAddr(v)
		if aerr != nil || a.Zone() != "" {
			return netip.Prefix{}, &SettingError{Setting: "IngressCIDR", Msg: fmt.Sprintf("%q is not a CIDR such as 203.0.113.0/24 or 2001:db8::/56", v)}
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, &SettingError{Setting: "IngressCIDR", Msg: fmt.Sprintf("%q is an IPv4-mapped IPv6 prefix: write it as IPv4", v)}
	}
	if p != p.Masked() {
		return netip.Prefix{}, &SettingError{Setting: "IngressCIDR", Msg: fmt.Sprintf("%q has host bits set: did you mean %s?", v, p.Masked())}
	}
	if p.Bits() == 0 && !allowPublic {
		return netip.Prefix{}, &SettingError{Setting: "IngressCIDR", Msg: fmt.Sprintf("%s opens the cluster port to the whole internet: use a narrower CIDR, or set {AllowPublic}=true if you really mean it", p)}
	}
	return p, nil
}

// sourceBuckets returns the distinct S3 buckets that Redshift's COPY reads
// (the sources, the jsonpaths file and the manifests), sorted.
// file:// sources are not in AWS and are skipped.
func sourceBuckets(set Settings) ([]string, error) {
	var out []string
	for _, v := range []struct{ name, val string }{
		{"SongData", set.SongData.String()}, {"LogData", set.LogData.String()}, {"LogJSONPath", set.LogJSONPath},
		{"StagingURI", set.StagingURI.String()}, // COPY reads the job's manifests there
	} {
		if v.val == "" {
			continue
		}
		u, err := source.ParseLocation(v.val)
		if err != nil {
			return nil, &SettingError{Setting: v.name, Msg: err.Error()}
		}
		if u.Scheme == "s3" && !slices.Contains(out, u.Bucket) {
			out = append(out, u.Bucket)
		}
	}
	slices.Sort(out)
	return out, nil
}

// setNetwork validates where the cluster goes: an existing subnet group, a
// subnet group made from subnets, or the default VPC; and its IP address type.
func (s *Spec) setNetwork(p Settings) error {
	if s.SubnetGroup != "" && !subnetGrpRe.MatchString(s.SubnetGroup) {
		return &SettingError{Setting: "SubnetGroup", Msg: fmt.Sprintf("%q is not a cluster subnet group name: use up to 255 letters, digits and hyphens", p.SubnetGroup)}
	}
	for _, id := range p.SubnetIDs {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if !subnetIDRe.MatchString(id) {
			return &SettingError{Setting: "SubnetIDs", Msg: fmt.Sprintf("%q is not a subnet id such as subnet-0123456789abcdef0", id)}
		}
		if !slices.Contains(s.SubnetIDs, id) {
			s.SubnetIDs = append(s.SubnetIDs, id)
		}
	}
	slices.Sort(s.SubnetIDs)
	if s.SubnetGroup != "" && len(s.SubnetIDs) > 0 {
		return &SettingError{Setting: "SubnetIDs", Msg: "set either {SubnetGroup} (an existing subnet group) or {SubnetIDs} (subnets for the job to make one from), not both"}
	}
	switch p.IPAddressType {
	case "", "ipv4":
	case "dualstack":
		if s.SubnetGroup == "" && len(s.SubnetIDs) == 0 {
			return &SettingError{Setting: "IPAddressType", Msg: "dualstack needs subnets with IPv6 ranges, which the default VPC's subnets lack: set {SubnetGroup} or {SubnetIDs}"}
		}
		s.DualStack = true
	default:
		return &SettingError{Setting: "IPAddressType", Msg: fmt.Sprintf("%q is not ipv4 or dualstack", p.IPAddressType)}
	}
	return nil
}

// checkNodes applies CreateCluster's node types and the node range of the
// type.
func (s Spec) checkNodes() error {
	family, _, _ := strings.Cut(s.NodeType, ".")
	if slices.Contains(retiredFamilies, family) {
		return &SettingError{Setting: "NodeType", Msg: fmt.Sprintf("%s is retired: AWS has retired the DC2 node types (and DS2 and DC1 before them), so new clusters cannot use them. Use an RA3 node type (%s), or {RedshiftDeployment}=serverless", s.NodeType, strings.Join(nodeTypeNames(), ", "))}
	}
	r, ok := nodeTypes[s.NodeType]
	if !ok {
		return &SettingError{Setting: "NodeType", Msg: fmt.Sprintf("%q is not a Redshift node type: use one of %s", s.NodeType, strings.Join(nodeTypeNames(), ", "))}
	}
	if s.NodeCount < r.min || s.NodeCount > r.max {
		single := "1 (single-node) to"
		if r.min > 1 {
			single = strconv.Itoa(r.min) + " to"
		}
		return &SettingError{Setting: "NodeCount", Msg: fmt.Sprintf("%d is out of range for %s: use %s %d nodes", s.NodeCount, s.NodeType, single, r.max)}
	}
	return nil
}

// nodeTypeNames returns the node types CreateCluster accepts, sorted.
func nodeTypeNames() []string { return slices.Sorted(maps.Keys(nodeTypes)) }

// checkBaseRPU applies the workgroup base capacities AWS accepts: 4, 8 to
// 512 in units of 8, and (in the regions that offer it) 512 to 1024 in
// units of 32, from "Compute capacity for Amazon Redshift Serverless" in
// the Amazon Redshift Management Guide
// (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html).
func checkBaseRPU(rpu int) string {
	switch {
	case rpu == 4, rpu >= 8 && rpu <= 512 && rpu%8 == 0, rpu > 512 && rpu <= 1024 && rpu%32 == 0:
		return ""
	}
	return fmt.Sprintf("%d RPUs is not a base capacity Redshift Serverless accepts: use 4, a multiple of 8 from 8 to 512, or a multiple of 32 from 512 to 1024 (not in every region)", rpu)
}

// privateRange reports whether every address of p is in a range that
// stays inside networks (RFC 1918, RFC 6598 shared space, IPv6 unique
// local): a rule for it admits clients inside the VPC or connected to it,
// never from the internet.
func privateRange(p netip.Prefix) bool {
	shared := netip.MustParsePrefix("100.64.0.0/10")
	return (p.Addr().IsPrivate() && p.Bits() >= privateBits(p.Addr())) || (shared.Contains(p.Addr()) && p.Bits() >= shared.Bits())
}

// privateBits is the prefix length of the private range that holds a.
func privateBits(a netip.Addr) int {
	for _, r := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"} {
		if p := netip.MustParsePrefix(r); p.Contains(a) {
			return p.Bits()
		}
	}
	return 128
}

// checkPort applies CreateCluster's port ranges, which depend on the node
// family, and returns what is wrong.
func checkPort(nodeType string, port int) string {
	if strings.HasPrefix(nodeType, "ra3.") {
		if (port >= 5431 && port <= 5455) || (port >= 8191 && port <= 8215) {
			return ""
		}
		return fmt.Sprintf("%d is not a port %s nodes accept: use 5431-5455 or 8191-8215 (default 5439)", port, nodeType)
	}
	if port < 1150 || port > 65535 {
		return fmt.Sprintf("%d is out of range: use 1150 to 65535", port)
	}
	return ""
}

// subnetGroupName is the subnet group the cluster is created in: the given
// one, the one the job makes from SubnetIDs, or "" (the default VPC).
func (s Spec) subnetGroupName() string {
	if len(s.SubnetIDs) > 0 {
		return ownName(s.ClusterID)
	}
	return s.SubnetGroup
}

// ownName names the subnet group and security group the job creates for
// a cluster.
func ownName(clusterID string) string { return TagKey + "-" + clusterID }

// checkPassword applies Redshift's master password rules and returns what
// is wrong, never the password itself.
func checkPassword(pw string) string {
	if len(pw) < 8 || len(pw) > 64 {
		return "must be 8 to 64 characters long"
	}
	var upper, lower, digit bool
	for _, r := range pw {
		switch {
		case r < 33 || r > 126:
			return "may contain only printable ASCII characters without spaces"
		case strings.ContainsRune(`'"\/@`, r):
			return `may not contain ' " \ / or @`
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	if !upper || !lower || !digit {
		return "must contain an upper-case letter, a lower-case letter and a digit"
	}
	return ""
}

// singleNode reports whether the cluster is a single-node cluster.
func (s Spec) singleNode() bool { return s.NodeCount == 1 }

// wantPublic reports whether the cluster or workgroup must be publicly
// accessible: only when SPARKIFY_PUBLICLY_ACCESSIBLE=true. An ingress rule
// alone does not make it public: a private CIDR is a rule for clients
// inside the VPC.
func (s Spec) wantPublic() bool { return s.Public }

// wantIngress reports whether an ingress rule is requested.
func (s Spec) wantIngress() bool { return s.Ingress.IsValid() }

// Package awsfake is an in-process fake of the parts of the IAM, Redshift
// and EC2 query APIs, and of the Redshift Serverless JSON API, that package
// provision uses. It keeps state, records
// every request, can inject errors and can hold a cluster in a transitional
// status, so tests can assert the exact calls, idempotent re-runs, drift
// repair and recovery. It listens on 127.0.0.1 only.
//
// By default it answers like an idealised account. The Server's exported
// fields switch on, one by one, behaviours that real accounts show and that
// tests select: IAM read lag after CreateRole (IAMReadLag), a new role that
// Redshift cannot assume yet (RoleUnassumable), the final-snapshot status of
// a deleting cluster (FinalSnapshotPolls), modifications that leave the
// cluster "available" with pending values (ModifyKeepsAvailable), a region
// without a default VPC (NoDefaultVPC) and VPC Block Public Access
// (BlockPublicAccess). Whatever the fields, a Modify call while another
// modification is in progress is refused with InvalidClusterState, as is a
// DeleteCluster of a cluster whose status is not available (paused,
// modifying, ...), and the managed master password secret and the final
// snapshot are kept as records in State.
//
// GetClusterCredentialsWithIAM and Redshift Serverless's GetCredentials
// issue temporary database credentials (user "IAMR:" + DBCaller) for a
// cluster or workgroup in State; CheckDBCredentials accepts a login only
// with credentials so issued, which the Redshift emulator is given. A
// caller without the permission is a FailWith of the action with
// AccessDenied.
//
// Point an SDK client at it with its BaseEndpoint option, or the
// AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_REDSHIFT, AWS_ENDPOINT_URL_EC2 and
// AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS variables. The services share one
// URL; requests are told apart by their Version parameter or, for
// Redshift Serverless, their X-Amz-Target header.
package awsfake

import (
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Account is the fake's AWS account id.
const Account = "123456789012"

// The network the fake starts with: a default VPC with its default security
// group and two subnets, and a second VPC with two subnets and its own
// default group. Clusters created without a subnet group go to the default
// VPC; without VpcSecurityGroupIds they get their VPC's default group.
const (
	DefaultVPC           = "vpc-0defa0170000000a1"
	DefaultSecurityGroup = "sg-0123456789abcdef0"
	OtherVPC             = "vpc-0a1b2c3d4e5f60718"
	OtherSecurityGroup   = "sg-0fedcba9876543210"
)

// Subnets of DefaultVPC and OtherVPC.
var (
	DefaultSubnets = []string{"subnet-0d0000000000000a1", "subnet-0d0000000000000b2"}
	OtherSubnets   = []string{"subnet-0a0000000000000a1", "subnet-0a0000000000000b2"}
)

// RoleNotAssumableMessage is what Redshift answers, with the code
// InvalidParameterValue, when it cannot use a role yet.
const RoleNotAssumableMessage = "The IAM role %s is not valid. The IAM role must delegate access to an Amazon Redshift account."

// ConcurrentModificationMessage is what Redshift answers, with the code
// InvalidClusterState, to a Modify call while another one is in progress.
const ConcurrentModificationMessage = "The Cluster is being modified by a concurrent operation. Please try again later."

// Service API versions, as sent in the Version parameter.
const (
	versionIAM      = "2010-05-08"
	versionRedshift = "2012-12-01"
	versionEC2      = "2016-11-15"
)

// Call is one recorded request.
type Call struct {
	Service string // iam, redshift, ec2 or redshift-serverless
	Action  string
	Params  url.Values     // without Action and Version
	Body    map[string]any // redshift-serverless: the JSON request
}

// Role is a fake IAM role.
type Role struct {
	Name, ARN   string
	TrustPolicy string
	Tags        map[string]string
	Inline      map[string]string // policy name -> document
	Attached    []string          // policy ARNs
	// Created is the role's CreateDate; zero reads as 2024-01-01, an old role.
	Created time.Time
	// HiddenReads is how many more reads answer NoSuchEntity (IAM's
	// eventual consistency); Unassumable how many more CreateCluster or
	// ModifyClusterIamRoles calls naming it Redshift refuses.
	HiddenReads, Unassumable int
}

// Cluster is a fake Redshift cluster.
type Cluster struct {
	ID, Status, NodeType, ClusterType string
	NumberOfNodes                     int
	DBName, MasterUsername            string
	MasterPassword                    string // as sent; "" when managed
	ManagePassword                    bool
	Port                              int
	Encrypted, PubliclyAccessible     bool
	IamRoles, SecurityGroups          []string
	Tags                              map[string]string
	FinalSnapshot                     string
	VpcID, SubnetGroup, IPAddressType string
	// Pending holds modifications accepted but not applied
	// (PendingModifiedValues); RolesAdding the roles whose ApplyStatus is
	// "adding". Both only with ModifyKeepsAvailable.
	Pending     map[string]string
	RolesAdding []string
	// Deferred holds modifications deferred to the maintenance window:
	// shown as PendingModifiedValues, never applied by polls.
	// Maintenance shows the cluster in its maintenance window
	// (ClusterAvailabilityStatus "Maintenance").
	Deferred    map[string]string
	Maintenance bool
	inFlight    bool // a modification is in progress while "available"
	polls       int
}

// SecurityGroup is a fake EC2 security group.
type SecurityGroup struct {
	ID, Name, Description, VpcID string
	Tags                         map[string]string
}

// SubnetGroup is a fake Redshift cluster subnet group.
type SubnetGroup struct {
	Name, Description, VpcID string
	Subnets                  []string
	Tags                     map[string]string
}

// Snapshot is a final snapshot DeleteCluster took.
type Snapshot struct{ ID, ClusterID string }

// Rule is a fake security group ingress rule.
type Rule struct {
	ID, GroupID, Protocol string
	FromPort, ToPort      int
	CIDRv4, CIDRv6        string
	Description           string
	Tags                  map[string]string
}

// State is everything the fake holds.
type State struct {
	Roles          map[string]*Role
	Clusters       map[string]*Cluster
	Rules          map[string]*Rule
	SecurityGroups map[string]*SecurityGroup
	SubnetGroups   map[string]*SubnetGroup
	Subnets        map[string]string // subnet id -> VPC id
	// Secrets are the master password secrets Redshift manages (ARN ->
	// cluster id); Redshift deletes one with its cluster. Snapshots are
	// the final snapshots (id -> snapshot); they outlive the cluster.
	Secrets   map[string]string
	Snapshots map[string]*Snapshot
	// Namespaces and Workgroups are Redshift Serverless's (by name);
	// ServerlessSnapshots the final snapshots of deleted namespaces.
	Namespaces          map[string]*Namespace
	Workgroups          map[string]*Workgroup
	ServerlessSnapshots map[string]*ServerlessSnapshot
}

type failure struct {
	action, code, message string
	status                int
}

// Server is the fake. Its exported knobs must be set before requests run.
type Server struct {
	URL string

	// CreatingPolls is how many DescribeClusters calls see a new or
	// modified cluster in "creating" (or "modifying") before it is
	// "available"; DeletingPolls likewise for "deleting" before it is gone.
	// StuckCreating keeps new clusters "creating" for ever.
	CreatingPolls, DeletingPolls int
	StuckCreating                bool
	// FinalSnapshotPolls is how many DescribeClusters calls see a cluster
	// deleted with a final snapshot in "final-snapshot" before "deleting".
	FinalSnapshotPolls int
	// ModifyKeepsAvailable makes ModifyCluster and ModifyClusterIamRoles
	// leave the cluster "available", with ClusterAvailabilityStatus
	// "Modifying" and the change pending (or the role "adding") for
	// CreatingPolls DescribeClusters calls, as real clusters do.
	ModifyKeepsAvailable bool
	// IAMReadLag is how many reads of a new role (GetRole, GetRolePolicy,
	// List*RolePolicies) answer NoSuchEntity after CreateRole.
	IAMReadLag int
	// RoleUnassumable is how many CreateCluster or ModifyClusterIamRoles
	// calls naming a new role Redshift refuses with InvalidParameterValue
	// and RoleNotAssumableMessage.
	RoleUnassumable int
	// NoDefaultVPC: the region has no default VPC, as in most organisation
	// and Control Tower accounts.
	NoDefaultVPC bool
	// BlockPublicAccess: VPC Block Public Access is on, so a publicly
	// accessible cluster is refused with InvalidVPCNetworkStateFault.
	BlockPublicAccess bool
	// ServerlessPolls is how many GetNamespace or GetWorkgroup calls see a
	// namespace or workgroup in a transitional status (CREATING,
	// MODIFYING, DELETING) before it moves on. StuckCreating also keeps new
	// workgroups CREATING for ever.
	ServerlessPolls int
	// Now is the fake's clock (role CreateDate); nil means time.Now.
	Now func() time.Time

	srv      *httptest.Server
	mu       sync.Mutex
	calls    []Call
	state    State
	failures []failure
	seq      int
	dbCreds  []dbCredential // temporary database credentials issued
}

// New starts a fake on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{state: State{
		Roles: map[string]*Role{}, Clusters: map[string]*Cluster{}, Rules: map[string]*Rule{},
		SecurityGroups: map[string]*SecurityGroup{
			DefaultSecurityGroup: {ID: DefaultSecurityGroup, Name: "default", Description: "default VPC security group", VpcID: DefaultVPC, Tags: map[string]string{}},
			OtherSecurityGroup:   {ID: OtherSecurityGroup, Name: "default", Description: "default VPC security group", VpcID: OtherVPC, Tags: map[string]string{}},
		},
		SubnetGroups: map[string]*SubnetGroup{},
		Subnets:      map[string]string{},
		Secrets:      map[string]string{},
		Snapshots:    map[string]*Snapshot{},
		Namespaces:   map[string]*Namespace{}, Workgroups: map[string]*Workgroup{},
		ServerlessSnapshots: map[string]*ServerlessSnapshot{},
	}}
	for _, id := range DefaultSubnets {
		s.state.Subnets[id] = DefaultVPC
	}
	for _, id := range OtherSubnets {
		s.state.Subnets[id] = OtherVPC
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Calls returns the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Actions returns the recorded calls as "service:Action", in order.
func (s *Server) Actions() []string {
	var out []string
	for _, c := range s.Calls() {
		out = append(out, c.Service+":"+c.Action)
	}
	return out
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Fail makes the next request for action fail with the AWS error code and
// HTTP status (use a 4xx status the SDK does not retry).
func (s *Server) Fail(action, code string, status int) {
	s.FailWith(action, code, "injected failure of "+action, status)
}

// FailWith is Fail with the error's message.
func (s *Server) FailWith(action, code, message string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{action, code, message, status})
}

// Do runs f on the state under the fake's lock, to inspect it or to make it
// drift.
func (s *Server) Do(f func(st *State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.state)
}

type apiError struct {
	status        int
	code, message string
}

func errf(status int, code, format string, a ...any) *apiError {
	return &apiError{status, code, fmt.Sprintf(format, a...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), serverlessTarget); ok {
		s.serveServerless(w, r, op)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	params := url.Values{}
	for k, v := range r.PostForm {
		if k != "Action" && k != "Version" {
			params[k] = v
		}
	}
	action := r.PostForm.Get("Action")
	var service string
	switch r.PostForm.Get("Version") {
	case versionIAM:
		service = "iam"
	case versionRedshift:
		service = "redshift"
	case versionEC2:
		service = "ec2"
	default:
		http.Error(w, "awsfake: unknown API version "+r.PostForm.Get("Version"), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	reqID := fmt.Sprintf("req-%d", s.seq)
	s.calls = append(s.calls, Call{Service: service, Action: action, Params: params})
	var body string
	var aerr *apiError
	if i := slices.IndexFunc(s.failures, func(f failure) bool { return f.action == action }); i >= 0 {
		f := s.failures[i]
		s.failures = slices.Delete(s.failures, i, i+1)
		aerr = &apiError{f.status, f.code, f.message}
	} else {
		switch service {
		case "iam":
			body, aerr = s.iam(action, params)
		case "redshift":
			body, aerr = s.redshift(action, params)
		case "ec2":
			body, aerr = s.ec2(action, params)
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", reqID)
	if aerr != nil {
		w.WriteHeader(aerr.status)
		if service == "ec2" {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`,
				esc(aerr.code), esc(aerr.message), reqID)
			return
		}
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			esc(aerr.code), esc(aerr.message), reqID)
		return
	}
	if service == "ec2" {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>%s</requestId>%s</%sResponse>`,
			action, reqID, body, action)
		return
	}
	fmt.Fprintf(w, `<%sResponse><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, action, body, action, reqID, action)
}

// esc escapes text for XML.
func esc(s string) string { return html.EscapeString(s) }

// el returns <name>children</name>, children already XML.
func el(name string, children ...string) string {
	return "<" + name + ">" + strings.Join(children, "") + "</" + name + ">"
}

// tx returns <name>text</name>, text escaped.
func tx(name, text string) string { return el(name, esc(text)) }

// list collects indexed parameters prefix.1, prefix.2, ... (or, with a
// suffix, prefix.1.suffix, ...).
func list(p url.Values, prefix, suffix string) []string {
	var out []string
	for i := 1; ; i++ {
		k := prefix + "." + strconv.Itoa(i)
		if suffix != "" {
			k += "." + suffix
		}
		v, ok := p[k]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// tags collects prefix.N.Key / prefix.N.Value pairs.
func tags(p url.Values, prefix string) map[string]string {
	m := map[string]string{}
	keys := list(p, prefix, "Key")
	for i, k := range keys {
		m[k] = p.Get(prefix + "." + strconv.Itoa(i+1) + ".Value")
	}
	return m
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// iamEncode URL-encodes a policy document as IAM returns it (RFC 3986).
func iamEncode(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

func (s *Server) iam(action string, p url.Values) (string, *apiError) {
	name := p.Get("RoleName")
	role := s.state.Roles[name]
	noRole := func() *apiError {
		return errf(404, "NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	switch action {
	case "GetRole", "GetRolePolicy", "ListRolePolicies", "ListAttachedRolePolicies":
		if role != nil && role.HiddenReads > 0 {
			role.HiddenReads--
			return "", noRole()
		}
	}
	switch action {
	case "GetRole":
		if role == nil {
			return "", noRole()
		}
		return roleXML(role), nil
	case "CreateRole":
		if role != nil {
			return "", errf(409, "EntityAlreadyExists", "Role with name %s already exists.", name)
		}
		role = &Role{
			Name: name, ARN: "arn:aws:iam::" + Account + ":role/" + name,
			TrustPolicy: p.Get("AssumeRolePolicyDocument"),
			Tags:        tags(p, "Tags.member"),
			Inline:      map[string]string{},
			Created:     s.now(),
			HiddenReads: s.IAMReadLag,
			Unassumable: s.RoleUnassumable,
		}
		s.state.Roles[name] = role
		return roleXML(role), nil
	case "UpdateAssumeRolePolicy":
		if role == nil {
			return "", noRole()
		}
		role.TrustPolicy = p.Get("PolicyDocument")
		return "", nil
	case "GetRolePolicy":
		if role == nil {
			return "", noRole()
		}
		doc, ok := role.Inline[p.Get("PolicyName")]
		if !ok {
			return "", errf(404, "NoSuchEntity", "The role policy with name %s cannot be found.", p.Get("PolicyName"))
		}
		return tx("PolicyDocument", iamEncode(doc)) + tx("PolicyName", p.Get("PolicyName")) + tx("RoleName", name), nil
	case "PutRolePolicy":
		if role == nil {
			return "", noRole()
		}
		role.Inline[p.Get("PolicyName")] = p.Get("PolicyDocument")
		return "", nil
	case "DeleteRolePolicy":
		if role == nil {
			return "", noRole()
		}
		if _, ok := role.Inline[p.Get("PolicyName")]; !ok {
			return "", errf(404, "NoSuchEntity", "The role policy with name %s cannot be found.", p.Get("PolicyName"))
		}
		delete(role.Inline, p.Get("PolicyName"))
		return "", nil
	case "ListRolePolicies":
		if role == nil {
			return "", noRole()
		}
		var names []string
		for _, k := range sortedKeys(role.Inline) {
			names = append(names, tx("member", k))
		}
		return el("PolicyNames", names...) + tx("IsTruncated", "false"), nil
	case "ListAttachedRolePolicies":
		if role == nil {
			return "", noRole()
		}
		var items []string
		for _, a := range role.Attached {
			items = append(items, el("member", tx("PolicyArn", a), tx("PolicyName", a[strings.LastIndex(a, "/")+1:])))
		}
		return el("AttachedPolicies", items...) + tx("IsTruncated", "false"), nil
	case "AttachRolePolicy":
		if role == nil {
			return "", noRole()
		}
		if !slices.Contains(role.Attached, p.Get("PolicyArn")) {
			role.Attached = append(role.Attached, p.Get("PolicyArn"))
		}
		return "", nil
	case "DetachRolePolicy":
		if role == nil {
			return "", noRole()
		}
		i := slices.Index(role.Attached, p.Get("PolicyArn"))
		if i < 0 {
			return "", errf(404, "NoSuchEntity", "Policy %s was not found.", p.Get("PolicyArn"))
		}
		role.Attached = slices.Delete(role.Attached, i, i+1)
		return "", nil
	case "DeleteRole":
		if role == nil {
			return "", noRole()
		}
		if len(role.Inline) > 0 || len(role.Attached) > 0 {
			return "", errf(409, "DeleteConflict", "Cannot delete entity, must delete policies first.")
		}
		delete(s.state.Roles, name)
		return "", nil
	}
	return "", errf(400, "InvalidAction", "awsfake: IAM action %s is not faked", action)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func roleXML(r *Role) string {
	created := r.Created
	if created.IsZero() {
		created = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var tg []string
	for _, k := range sortedKeys(r.Tags) {
		tg = append(tg, el("member", tx("Key", k), tx("Value", r.Tags[k])))
	}
	return el("Role",
		tx("Arn", r.ARN),
		tx("AssumeRolePolicyDocument", iamEncode(r.TrustPolicy)),
		tx("CreateDate", created.UTC().Format(time.RFC3339)),
		tx("Path", "/"),
		tx("RoleId", "AROA"+strings.ToUpper(strconv.Itoa(len(r.Name)))+"FAKE"),
		tx("RoleName", r.Name),
		el("Tags", tg...),
	)
}

func (s *Server) redshift(action string, p url.Values) (string, *apiError) {
	id := p.Get("ClusterIdentifier")
	cl := s.state.Clusters[id]
	notFound := func() *apiError { return errf(404, "ClusterNotFound", "Cluster %s not found.", id) }
	switch action {
	case "GetClusterCredentialsWithIAM":
		return s.getClusterCredentialsWithIAM(p)
	case "DescribeClusters":
		if cl == nil {
			return "", notFound()
		}
		s.advance(cl)
		if cl.Status == "gone" {
			s.remove(cl)
			return "", notFound()
		}
		return el("Clusters", clusterXML(cl)), nil
	case "CreateCluster":
		return s.createCluster(id, p)
	case "ModifyClusterIamRoles":
		if aerr := s.modifiable(cl, id); aerr != nil {
			return "", aerr
		}
		add := list(p, "AddIamRoles.IamRoleArn", "")
		if aerr := s.assumable(add); aerr != nil {
			return "", aerr
		}
		for _, r := range add {
			if !slices.Contains(cl.IamRoles, r) {
				cl.IamRoles = append(cl.IamRoles, r)
				if s.ModifyKeepsAvailable {
					cl.RolesAdding = append(cl.RolesAdding, r)
				}
			}
		}
		s.startModify(cl)
		return el("Cluster", clusterBody(cl)), nil
	case "ModifyCluster":
		if aerr := s.modifiable(cl, id); aerr != nil {
			return "", aerr
		}
		change := map[string]string{}
		if v := p.Get("PubliclyAccessible"); v != "" {
			if v == "true" && s.BlockPublicAccess {
				return "", blockedPublic()
			}
			change["PubliclyAccessible"] = v
		}
		if groups := list(p, "VpcSecurityGroupIds.VpcSecurityGroupId", ""); len(groups) > 0 {
			for _, g := range groups {
				if sg := s.state.SecurityGroups[g]; sg == nil || sg.VpcID != cl.VpcID {
					return "", errf(400, "InvalidParameterValue", "The security group %s does not exist in VPC %s.", g, cl.VpcID)
				}
			}
			change["VpcSecurityGroupIds"] = strings.Join(groups, ",")
		}
		if v, ok := change["PubliclyAccessible"]; ok && s.ModifyKeepsAvailable {
			cl.Pending = map[string]string{"PubliclyAccessible": v}
			delete(change, "PubliclyAccessible")
		}
		apply(cl, change)
		s.startModify(cl)
		return el("Cluster", clusterBody(cl)), nil
	case "ResumeCluster":
		if cl == nil {
			return "", notFound()
		}
		if cl.Status != "paused" {
			return "", errf(400, "InvalidClusterState", "You can only resume a paused cluster; cluster %s is %s.", id, cl.Status)
		}
		cl.Status, cl.polls = "resuming", 0
		return el("Cluster", clusterBody(cl)), nil
	case "DeleteCluster":
		if cl == nil {
			return "", notFound()
		}
		// The DeleteCluster API reference names one refusal for the
		// cluster's state, InvalidClusterState: "The specified cluster is
		// not in the available state." It names none for a cluster that is
		// available with a change pending, deferred to its maintenance
		// window or in that window: those are deleted.
		switch cl.Status {
		case "available", "incompatible-network", "incompatible-hsm", "incompatible-restore", "hardware-failure":
		default:
			return "", errf(400, "InvalidClusterState", "Unable to delete the cluster %s. You can only delete clusters with ACTIVE, INCOMPATIBLE_NETWORK, INCOMPATIBLE_HSM, INCOMPATIBLE_RESTORE, INSUFFICIENT_CAPACITY, or HARDWARE_FAILURE lifecycle.", id)
		}
		cl.Pending, cl.RolesAdding, cl.inFlight = nil, nil, false
		cl.Status = "deleting"
		if p.Get("SkipFinalClusterSnapshot") != "true" {
			snap := p.Get("FinalClusterSnapshotIdentifier")
			if snap == "" {
				return "", errf(400, "InvalidParameterCombination", "FinalClusterSnapshotIdentifier is required unless SkipFinalClusterSnapshot is true.")
			}
			if s.state.Snapshots[snap] != nil {
				return "", errf(400, "ClusterSnapshotAlreadyExists", "Cannot create the snapshot because a snapshot with the identifier %s already exists.", snap)
			}
			cl.FinalSnapshot = snap
			cl.Status = "final-snapshot"
		}
		cl.polls = 0
		return el("Cluster", clusterBody(cl)), nil
	case "CreateClusterSubnetGroup":
		name := strings.ToLower(p.Get("ClusterSubnetGroupName"))
		if s.state.SubnetGroups[name] != nil {
			return "", errf(400, "ClusterSubnetGroupAlreadyExists", "The Cluster subnet group %s already exists.", name)
		}
		g := &SubnetGroup{Name: name, Description: p.Get("Description"), Subnets: list(p, "SubnetIds.SubnetIdentifier", ""), Tags: tags(p, "Tags.Tag")}
		for _, sn := range g.Subnets {
			vpc, ok := s.state.Subnets[sn]
			if !ok || (g.VpcID != "" && vpc != g.VpcID) {
				return "", errf(400, "InvalidSubnet", "Subnet %s does not exist or is not in the VPC of the other subnets.", sn)
			}
			g.VpcID = vpc
		}
		s.state.SubnetGroups[name] = g
		return subnetGroupXML(g), nil
	case "DescribeClusterSubnetGroups":
		name := strings.ToLower(p.Get("ClusterSubnetGroupName"))
		g := s.state.SubnetGroups[name]
		if g == nil {
			return "", errf(400, "ClusterSubnetGroupNotFoundFault", "Cluster subnet group %s not found.", name)
		}
		return el("ClusterSubnetGroups", subnetGroupXML(g)), nil
	case "DeleteClusterSubnetGroup":
		name := strings.ToLower(p.Get("ClusterSubnetGroupName"))
		if s.state.SubnetGroups[name] == nil {
			return "", errf(400, "ClusterSubnetGroupNotFoundFault", "Cluster subnet group %s not found.", name)
		}
		for _, c := range s.state.Clusters {
			if c.SubnetGroup == name {
				return "", errf(400, "InvalidClusterSubnetGroupStateFault", "The cluster subnet group %s is in use by cluster %s.", name, c.ID)
			}
		}
		delete(s.state.SubnetGroups, name)
		return "", nil
	}
	return "", errf(400, "InvalidAction", "awsfake: Redshift action %s is not faked", action)
}

func (s *Server) createCluster(id string, p url.Values) (string, *apiError) {
	if s.state.Clusters[id] != nil {
		return "", errf(400, "ClusterAlreadyExists", "Cluster already exists")
	}
	cl := &Cluster{
		ID: id, Status: "creating", NodeType: p.Get("NodeType"), ClusterType: p.Get("ClusterType"),
		NumberOfNodes: 1, DBName: p.Get("DBName"), MasterUsername: p.Get("MasterUsername"),
		MasterPassword: p.Get("MasterUserPassword"), ManagePassword: p.Get("ManageMasterPassword") == "true",
		Port: 5439, Encrypted: p.Get("Encrypted") == "true", PubliclyAccessible: p.Get("PubliclyAccessible") == "true",
		IamRoles:       list(p, "IamRoles.IamRoleArn", ""),
		SecurityGroups: list(p, "VpcSecurityGroupIds.VpcSecurityGroupId", ""),
		Tags:           tags(p, "Tags.Tag"),
		SubnetGroup:    strings.ToLower(p.Get("ClusterSubnetGroupName")),
		IPAddressType:  p.Get("IpAddressType"),
	}
	if cl.IPAddressType == "" {
		cl.IPAddressType = "ipv4"
	}
	if n, err := strconv.Atoi(p.Get("NumberOfNodes")); err == nil {
		cl.NumberOfNodes = n
	}
	if n, err := strconv.Atoi(p.Get("Port")); err == nil {
		cl.Port = n
	}
	switch {
	case cl.SubnetGroup != "":
		g := s.state.SubnetGroups[cl.SubnetGroup]
		if g == nil {
			return "", errf(400, "ClusterSubnetGroupNotFoundFault", "Cluster subnet group %s not found.", cl.SubnetGroup)
		}
		cl.VpcID = g.VpcID
	case s.NoDefaultVPC:
		return "", errf(400, "InvalidVPCNetworkStateFault", "No default VPC exists for this account in this region: specify a ClusterSubnetGroupName.")
	default:
		cl.VpcID = DefaultVPC
	}
	if len(cl.SecurityGroups) == 0 {
		for _, g := range s.state.SecurityGroups {
			if g.VpcID == cl.VpcID && g.Name == "default" {
				cl.SecurityGroups = []string{g.ID}
			}
		}
	}
	for _, g := range cl.SecurityGroups {
		if sg := s.state.SecurityGroups[g]; sg == nil || sg.VpcID != cl.VpcID {
			return "", errf(400, "InvalidParameterValue", "The security group %s does not exist in VPC %s.", g, cl.VpcID)
		}
	}
	if cl.PubliclyAccessible && s.BlockPublicAccess {
		return "", blockedPublic()
	}
	if cl.MasterPassword == "" && !cl.ManagePassword {
		return "", errf(400, "InvalidParameterCombination", "Either MasterUserPassword or ManageMasterPassword is required.")
	}
	if aerr := s.assumable(cl.IamRoles); aerr != nil {
		return "", aerr
	}
	if cl.ManagePassword {
		s.state.Secrets[secretARN(cl)] = cl.ID
	}
	s.state.Clusters[id] = cl
	return clusterXML(cl), nil
}

func blockedPublic() *apiError {
	return errf(400, "InvalidVPCNetworkStateFault", "VPC Block Public Access is turned on for this VPC: a publicly accessible cluster is not allowed.")
}

// assumable refuses, while the role is new, a call that names it.
func (s *Server) assumable(arns []string) *apiError {
	for _, arn := range arns {
		for _, r := range s.state.Roles {
			if r.ARN == arn && r.Unassumable > 0 {
				r.Unassumable--
				return errf(400, "InvalidParameterValue", RoleNotAssumableMessage, arn)
			}
		}
	}
	return nil
}

// modifiable refuses a Modify call on a missing cluster, on one that is
// not available and on one with a modification in progress.
func (s *Server) modifiable(cl *Cluster, id string) *apiError {
	switch {
	case cl == nil:
		return errf(404, "ClusterNotFound", "Cluster %s not found.", id)
	case cl.Status == "modifying" || busy(cl):
		return errf(400, "InvalidClusterState", ConcurrentModificationMessage)
	case cl.Status != "available":
		return errf(400, "InvalidClusterState", "The cluster %s is %s.", id, cl.Status)
	}
	return nil
}

// busy reports whether a modification of an available cluster is pending.
func busy(cl *Cluster) bool { return cl.inFlight || len(cl.Pending) > 0 || len(cl.RolesAdding) > 0 }

func (s *Server) startModify(cl *Cluster) {
	cl.polls = 0
	if s.ModifyKeepsAvailable {
		cl.inFlight = true
	} else {
		cl.Status = "modifying"
	}
}

func apply(cl *Cluster, change map[string]string) {
	if v, ok := change["PubliclyAccessible"]; ok {
		cl.PubliclyAccessible = v == "true"
	}
	if v, ok := change["VpcSecurityGroupIds"]; ok {
		cl.SecurityGroups = strings.Split(v, ",")
	}
}

// remove deletes a cluster that is gone, records its final snapshot and
// deletes its managed secret, as Redshift does.
func (s *Server) remove(cl *Cluster) {
	if cl.FinalSnapshot != "" {
		s.state.Snapshots[cl.FinalSnapshot] = &Snapshot{ID: cl.FinalSnapshot, ClusterID: cl.ID}
	}
	delete(s.state.Secrets, secretARN(cl))
	delete(s.state.Clusters, cl.ID)
}

// advance moves a cluster through its transitional states, one
// DescribeClusters call at a time.
func (s *Server) advance(cl *Cluster) {
	// next moves to status after n polls; it reports whether it did.
	next := func(n int, status string) bool {
		if cl.polls >= n {
			cl.Status, cl.polls = status, 0
			return true
		}
		cl.polls++
		return false
	}
	switch cl.Status {
	case "creating":
		if !s.StuckCreating {
			next(s.CreatingPolls, "available")
		}
	case "modifying", "resuming":
		next(s.CreatingPolls, "available")
	case "pausing":
		next(s.CreatingPolls, "paused")
	case "available":
		if busy(cl) && next(s.CreatingPolls, "available") {
			apply(cl, cl.Pending)
			cl.Pending, cl.RolesAdding, cl.inFlight = nil, nil, false
		}
	case "final-snapshot":
		next(s.FinalSnapshotPolls, "deleting")
	case "deleting":
		next(s.DeletingPolls, "gone")
	}
}

func secretARN(cl *Cluster) string {
	return "arn:aws:secretsmanager:us-west-2:" + Account + ":secret:redshift!" + cl.ID + "-admin-AbCdEf"
}

func clusterXML(cl *Cluster) string { return el("Cluster", clusterBody(cl)) }

func clusterBody(cl *Cluster) string {
	var roles, groups, tg, pending []string
	for _, r := range cl.IamRoles {
		status := "in-sync"
		if slices.Contains(cl.RolesAdding, r) {
			status = "adding"
		}
		roles = append(roles, el("ClusterIamRole", tx("IamRoleArn", r), tx("ApplyStatus", status)))
	}
	for _, g := range cl.SecurityGroups {
		groups = append(groups, el("VpcSecurityGroup", tx("VpcSecurityGroupId", g), tx("Status", "active")))
	}
	for _, k := range sortedKeys(cl.Tags) {
		tg = append(tg, el("Tag", tx("Key", k), tx("Value", cl.Tags[k])))
	}
	if v, ok := cl.Pending["PubliclyAccessible"]; ok {
		pending = append(pending, tx("PubliclyAccessible", v))
	}
	for _, k := range sortedKeys(cl.Deferred) {
		if _, ok := cl.Pending[k]; !ok {
			pending = append(pending, tx(k, cl.Deferred[k]))
		}
	}
	availability := map[string]string{
		"available": "Available", "creating": "Unavailable", "modifying": "Modifying", "resuming": "Modifying",
		"pausing": "Modifying", "paused": "Paused", "final-snapshot": "Modifying", "deleting": "Modifying",
	}[cl.Status]
	if availability == "" {
		availability = "Failed"
	}
	if busy(cl) {
		availability = "Modifying"
	}
	if cl.Maintenance && cl.Status == "available" {
		availability = "Maintenance"
	}
	parts := []string{
		tx("ClusterIdentifier", cl.ID),
		tx("ClusterStatus", cl.Status),
		tx("ClusterAvailabilityStatus", availability),
		tx("NodeType", cl.NodeType),
		tx("NumberOfNodes", strconv.Itoa(cl.NumberOfNodes)),
		tx("DBName", cl.DBName),
		tx("MasterUsername", cl.MasterUsername),
		tx("Encrypted", strconv.FormatBool(cl.Encrypted)),
		tx("PubliclyAccessible", strconv.FormatBool(cl.PubliclyAccessible)),
		tx("VpcId", cl.VpcID),
		tx("ClusterSubnetGroupName", cl.SubnetGroup),
		tx("IpAddressType", cl.IPAddressType),
		el("IamRoles", roles...),
		el("VpcSecurityGroups", groups...),
		el("Tags", tg...),
	}
	if len(pending) > 0 {
		parts = append(parts, el("PendingModifiedValues", pending...))
	}
	if cl.ManagePassword {
		parts = append(parts, tx("MasterPasswordSecretArn", secretARN(cl)))
	}
	if cl.Status != "creating" {
		parts = append(parts, el("Endpoint", tx("Address", cl.ID+".c0ffee0fake.us-west-2.redshift.amazonaws.com"), tx("Port", strconv.Itoa(cl.Port))))
	}
	return strings.Join(parts, "")
}

func subnetGroupXML(g *SubnetGroup) string {
	var subnets, tg []string
	for _, sn := range g.Subnets {
		subnets = append(subnets, el("Subnet", tx("SubnetIdentifier", sn), tx("SubnetStatus", "Active")))
	}
	for _, k := range sortedKeys(g.Tags) {
		tg = append(tg, el("Tag", tx("Key", k), tx("Value", g.Tags[k])))
	}
	return el("ClusterSubnetGroup", tx("ClusterSubnetGroupName", g.Name), tx("Description", g.Description),
		tx("VpcId", g.VpcID), tx("SubnetGroupStatus", "Complete"), el("Subnets", subnets...), el("Tags", tg...))
}

// filters collects Filter.N.Name / Filter.N.Value.M as name -> values.
func filters(p url.Values) map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		name := p.Get("Filter." + strconv.Itoa(i) + ".Name")
		if name == "" {
			return out
		}
		out[name] = append(out[name], list(p, "Filter."+strconv.Itoa(i)+".Value", "")...)
	}
}

// match reports whether a resource's fields (filter name -> value; tags as
// tag:Key) pass every filter. An unknown filter name is an error.
func match(fs map[string][]string, fields map[string]string, tagSet map[string]string) (bool, *apiError) {
	for name, values := range fs {
		var v string
		var ok bool
		if k, isTag := strings.CutPrefix(name, "tag:"); isTag {
			v, ok = tagSet[k]
		} else if v, ok = fields[name]; !ok {
			return false, errf(400, "InvalidParameterValue", "awsfake: filter %s is not faked", name)
		}
		if !ok || !slices.Contains(values, v) {
			return false, nil
		}
	}
	return true, nil
}

func (s *Server) ec2(action string, p url.Values) (string, *apiError) {
	switch action {
	case "DescribeVpcs":
		var items []string
		for _, v := range []struct {
			id        string
			isDefault bool
		}{{DefaultVPC, true}, {OtherVPC, false}} {
			if v.isDefault && s.NoDefaultVPC {
				continue
			}
			ok, aerr := match(filters(p), map[string]string{"is-default": strconv.FormatBool(v.isDefault), "vpc-id": v.id}, nil)
			if aerr != nil {
				return "", aerr
			}
			if ok {
				items = append(items, el("item", tx("vpcId", v.id), tx("isDefault", strconv.FormatBool(v.isDefault)), tx("state", "available")))
			}
		}
		return el("vpcSet", items...), nil
	case "DescribeSubnets":
		var items []string
		for _, id := range list(p, "SubnetId", "") {
			vpc, ok := s.state.Subnets[id]
			if !ok || (vpc == DefaultVPC && s.NoDefaultVPC) {
				return "", errf(400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
			}
			items = append(items, el("item", tx("subnetId", id), tx("vpcId", vpc), tx("state", "available")))
		}
		return el("subnetSet", items...), nil
	case "DescribeSecurityGroups":
		ids := list(p, "GroupId", "")
		for _, id := range ids {
			if s.state.SecurityGroups[id] == nil {
				return "", errf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist", id)
			}
		}
		var items []string
		for _, id := range slices.Sorted(maps.Keys(s.state.SecurityGroups)) {
			g := s.state.SecurityGroups[id]
			if len(ids) > 0 && !slices.Contains(ids, id) {
				continue
			}
			ok, aerr := match(filters(p), map[string]string{"vpc-id": g.VpcID, "group-name": g.Name, "group-id": g.ID}, g.Tags)
			if aerr != nil {
				return "", aerr
			}
			if ok {
				items = append(items, securityGroupXML(g))
			}
		}
		return el("securityGroupInfo", items...), nil
	case "CreateSecurityGroup":
		g := &SecurityGroup{Name: p.Get("GroupName"), Description: p.Get("GroupDescription"), VpcID: p.Get("VpcId"), Tags: map[string]string{}}
		if g.VpcID == "" {
			g.VpcID = DefaultVPC
		}
		if g.VpcID != OtherVPC && (g.VpcID != DefaultVPC || s.NoDefaultVPC) {
			return "", errf(400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", g.VpcID)
		}
		for _, o := range s.state.SecurityGroups {
			if o.VpcID == g.VpcID && o.Name == g.Name {
				return "", errf(400, "InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", g.Name, g.VpcID)
			}
		}
		if p.Get("TagSpecification.1.ResourceType") == "security-group" {
			g.Tags = tags(p, "TagSpecification.1.Tag")
		}
		s.seq++
		g.ID = fmt.Sprintf("sg-%017x", s.seq)
		s.state.SecurityGroups[g.ID] = g
		return tx("groupId", g.ID), nil
	case "DeleteSecurityGroup":
		id := p.Get("GroupId")
		if s.state.SecurityGroups[id] == nil {
			return "", errf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
		for _, cl := range s.state.Clusters {
			if slices.Contains(cl.SecurityGroups, id) {
				return "", errf(400, "DependencyViolation", "resource %s has a dependent object", id)
			}
		}
		for _, wg := range s.state.Workgroups {
			if slices.Contains(wg.SecurityGroups, id) {
				return "", errf(400, "DependencyViolation", "resource %s has a dependent object", id)
			}
		}
		for rid, r := range s.state.Rules {
			if r.GroupID == id {
				delete(s.state.Rules, rid)
			}
		}
		delete(s.state.SecurityGroups, id)
		return tx("return", "true"), nil
	case "DescribeSecurityGroupRules":
		var items []string
		for _, id := range slices.Sorted(maps.Keys(s.state.Rules)) {
			r := s.state.Rules[id]
			ok, aerr := match(filters(p), map[string]string{"group-id": r.GroupID}, r.Tags)
			if aerr != nil {
				return "", aerr
			}
			if ok {
				items = append(items, ruleXML(r))
			}
		}
		return el("securityGroupRuleSet", items...), nil
	case "AuthorizeSecurityGroupIngress":
		group := p.Get("GroupId")
		if s.state.SecurityGroups[group] == nil {
			return "", errf(400, "InvalidGroup.NotFound", "The security group '%s' does not exist", group)
		}
		from, _ := strconv.Atoi(p.Get("IpPermissions.1.FromPort"))
		to, _ := strconv.Atoi(p.Get("IpPermissions.1.ToPort"))
		r := &Rule{
			GroupID: group, Protocol: p.Get("IpPermissions.1.IpProtocol"), FromPort: from, ToPort: to,
			CIDRv4: p.Get("IpPermissions.1.IpRanges.1.CidrIp"), CIDRv6: p.Get("IpPermissions.1.Ipv6Ranges.1.CidrIpv6"),
			Description: p.Get("IpPermissions.1.IpRanges.1.Description") + p.Get("IpPermissions.1.Ipv6Ranges.1.Description"),
			Tags:        map[string]string{},
		}
		if p.Get("TagSpecification.1.ResourceType") == "security-group-rule" {
			r.Tags = tags(p, "TagSpecification.1.Tag")
		}
		for _, o := range s.state.Rules {
			if o.GroupID == r.GroupID && o.Protocol == r.Protocol && o.FromPort == r.FromPort && o.ToPort == r.ToPort && o.CIDRv4 == r.CIDRv4 && o.CIDRv6 == r.CIDRv6 {
				return "", errf(400, "InvalidPermission.Duplicate", "the specified rule already exists")
			}
		}
		s.seq++
		r.ID = fmt.Sprintf("sgr-%017d", s.seq)
		s.state.Rules[r.ID] = r
		return tx("return", "true") + el("securityGroupRuleSet", ruleXML(r)), nil
	case "RevokeSecurityGroupIngress":
		for _, id := range list(p, "SecurityGroupRuleId", "") {
			r := s.state.Rules[id]
			if r == nil || r.GroupID != p.Get("GroupId") {
				return "", errf(400, "InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
			}
			delete(s.state.Rules, id)
		}
		return tx("return", "true"), nil
	}
	return "", errf(400, "InvalidAction", "awsfake: EC2 action %s is not faked", action)
}

func securityGroupXML(g *SecurityGroup) string {
	var tg []string
	for _, k := range sortedKeys(g.Tags) {
		tg = append(tg, el("item", tx("key", k), tx("value", g.Tags[k])))
	}
	return el("item", tx("ownerId", Account), tx("groupId", g.ID), tx("groupName", g.Name),
		tx("groupDescription", g.Description), tx("vpcId", g.VpcID), el("tagSet", tg...))
}

func ruleXML(r *Rule) string {
	var tg []string
	for _, k := range sortedKeys(r.Tags) {
		tg = append(tg, el("item", tx("key", k), tx("value", r.Tags[k])))
	}
	parts := []string{
		tx("securityGroupRuleId", r.ID), tx("groupId", r.GroupID), tx("groupOwnerId", Account),
		tx("isEgress", "false"), tx("ipProtocol", r.Protocol),
		tx("fromPort", strconv.Itoa(r.FromPort)), tx("toPort", strconv.Itoa(r.ToPort)),
		tx("description", r.Description), el("tagSet", tg...),
	}
	if r.CIDRv4 != "" {
		parts = append(parts, tx("cidrIpv4", r.CIDRv4))
	}
	if r.CIDRv6 != "" {
		parts = append(parts, tx("cidrIpv6", r.CIDRv6))
	}
	return el("item", parts...)
}

// Package awsfake is an in-process fake of the parts of the IAM, Redshift
// and EC2 query APIs that package provision uses. It keeps state, records
// every request, can inject errors and can hold a cluster in a transitional
// status, so tests can assert the exact calls, idempotent re-runs, drift
// repair and recovery. It listens on 127.0.0.1 only.
//
// Point an SDK client at it with its BaseEndpoint option, or the
// AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_REDSHIFT and AWS_ENDPOINT_URL_EC2
// variables. The three services share one URL; requests are told apart by
// their Version parameter.
package awsfake

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Account is the fake's AWS account id.
const Account = "123456789012"

// DefaultSecurityGroup is the security group clusters get when created
// without VpcSecurityGroupIds, as the default VPC's default group.
const DefaultSecurityGroup = "sg-0123456789abcdef0"

// Service API versions, as sent in the Version parameter.
const (
	versionIAM      = "2010-05-08"
	versionRedshift = "2012-12-01"
	versionEC2      = "2016-11-15"
)

// Call is one recorded request.
type Call struct {
	Service string // iam, redshift or ec2
	Action  string
	Params  url.Values // without Action and Version
}

// Role is a fake IAM role.
type Role struct {
	Name, ARN   string
	TrustPolicy string
	Tags        map[string]string
	Inline      map[string]string // policy name -> document
	Attached    []string          // policy ARNs
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
	polls                             int
}

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
	Roles    map[string]*Role
	Clusters map[string]*Cluster
	Rules    map[string]*Rule
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

	srv      *httptest.Server
	mu       sync.Mutex
	calls    []Call
	state    State
	failures []failure
	seq      int
}

// New starts a fake on 127.0.0.1 and stops it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{state: State{Roles: map[string]*Role{}, Clusters: map[string]*Cluster{}, Rules: map[string]*Rule{}}}
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

func roleXML(r *Role) string {
	var tg []string
	for _, k := range sortedKeys(r.Tags) {
		tg = append(tg, el("member", tx("Key", k), tx("Value", r.Tags[k])))
	}
	return el("Role",
		tx("Arn", r.ARN),
		tx("AssumeRolePolicyDocument", iamEncode(r.TrustPolicy)),
		tx("CreateDate", "2024-01-01T00:00:00Z"),
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
	case "DescribeClusters":
		if cl == nil {
			return "", notFound()
		}
		s.advance(cl)
		if cl.Status == "gone" {
			delete(s.state.Clusters, id)
			return "", notFound()
		}
		return el("Clusters", clusterXML(cl)), nil
	case "CreateCluster":
		if cl != nil {
			return "", errf(400, "ClusterAlreadyExists", "Cluster already exists")
		}
		cl = &Cluster{
			ID: id, Status: "creating", NodeType: p.Get("NodeType"), ClusterType: p.Get("ClusterType"),
			NumberOfNodes: 1, DBName: p.Get("DBName"), MasterUsername: p.Get("MasterUsername"),
			MasterPassword: p.Get("MasterUserPassword"), ManagePassword: p.Get("ManageMasterPassword") == "true",
			Port: 5439, Encrypted: p.Get("Encrypted") == "true", PubliclyAccessible: p.Get("PubliclyAccessible") == "true",
			IamRoles:       list(p, "IamRoles.IamRoleArn", ""),
			SecurityGroups: list(p, "VpcSecurityGroupIds.VpcSecurityGroupId", ""),
			Tags:           tags(p, "Tags.Tag"),
		}
		if n, err := strconv.Atoi(p.Get("NumberOfNodes")); err == nil {
			cl.NumberOfNodes = n
		}
		if n, err := strconv.Atoi(p.Get("Port")); err == nil {
			cl.Port = n
		}
		if len(cl.SecurityGroups) == 0 {
			cl.SecurityGroups = []string{DefaultSecurityGroup}
		}
		if cl.MasterPassword == "" && !cl.ManagePassword {
			return "", errf(400, "InvalidParameterCombination", "Either MasterUserPassword or ManageMasterPassword is required.")
		}
		s.state.Clusters[id] = cl
		return clusterXML(cl), nil
	case "ModifyClusterIamRoles":
		if cl == nil {
			return "", notFound()
		}
		if cl.Status != "available" {
			return "", errf(400, "InvalidClusterState", "The cluster %s is %s.", id, cl.Status)
		}
		for _, r := range list(p, "AddIamRoles.IamRoleArn", "") {
			if !slices.Contains(cl.IamRoles, r) {
				cl.IamRoles = append(cl.IamRoles, r)
			}
		}
		cl.Status, cl.polls = "modifying", 0
		return el("Cluster", clusterBody(cl)), nil
	case "ModifyCluster":
		if cl == nil {
			return "", notFound()
		}
		if cl.Status != "available" {
			return "", errf(400, "InvalidClusterState", "The cluster %s is %s.", id, cl.Status)
		}
		if v := p.Get("PubliclyAccessible"); v != "" {
			cl.PubliclyAccessible = v == "true"
		}
		cl.Status, cl.polls = "modifying", 0
		return el("Cluster", clusterBody(cl)), nil
	case "DeleteCluster":
		if cl == nil {
			return "", notFound()
		}
		if cl.Status != "available" {
			return "", errf(400, "InvalidClusterState", "The cluster %s is %s.", id, cl.Status)
		}
		if p.Get("SkipFinalClusterSnapshot") != "true" {
			if p.Get("FinalClusterSnapshotIdentifier") == "" {
				return "", errf(400, "InvalidParameterCombination", "FinalClusterSnapshotIdentifier is required unless SkipFinalClusterSnapshot is true.")
			}
			cl.FinalSnapshot = p.Get("FinalClusterSnapshotIdentifier")
		}
		cl.Status, cl.polls = "deleting", 0
		return el("Cluster", clusterBody(cl)), nil
	}
	return "", errf(400, "InvalidAction", "awsfake: Redshift action %s is not faked", action)
}

// advance moves a cluster through its transitional states, one
// DescribeClusters call at a time.
func (s *Server) advance(cl *Cluster) {
	switch cl.Status {
	case "creating", "modifying":
		if s.StuckCreating && cl.Status == "creating" {
			return
		}
		if cl.polls >= s.CreatingPolls {
			cl.Status = "available"
			return
		}
		cl.polls++
	case "deleting":
		if cl.polls >= s.DeletingPolls {
			cl.Status = "gone"
			return
		}
		cl.polls++
	}
}

func clusterXML(cl *Cluster) string { return el("Cluster", clusterBody(cl)) }

func clusterBody(cl *Cluster) string {
	var roles, groups, tg []string
	for _, r := range cl.IamRoles {
		roles = append(roles, el("ClusterIamRole", tx("IamRoleArn", r), tx("ApplyStatus", "in-sync")))
	}
	for _, g := range cl.SecurityGroups {
		groups = append(groups, el("VpcSecurityGroup", tx("VpcSecurityGroupId", g), tx("Status", "active")))
	}
	for _, k := range sortedKeys(cl.Tags) {
		tg = append(tg, el("Tag", tx("Key", k), tx("Value", cl.Tags[k])))
	}
	parts := []string{
		tx("ClusterIdentifier", cl.ID),
		tx("ClusterStatus", cl.Status),
		tx("NodeType", cl.NodeType),
		tx("NumberOfNodes", strconv.Itoa(cl.NumberOfNodes)),
		tx("DBName", cl.DBName),
		tx("MasterUsername", cl.MasterUsername),
		tx("Encrypted", strconv.FormatBool(cl.Encrypted)),
		tx("PubliclyAccessible", strconv.FormatBool(cl.PubliclyAccessible)),
		el("IamRoles", roles...),
		el("VpcSecurityGroups", groups...),
		el("Tags", tg...),
	}
	if cl.ManagePassword {
		parts = append(parts, tx("MasterPasswordSecretArn", "arn:aws:secretsmanager:us-west-2:"+Account+":secret:redshift!"+cl.ID+"-admin-AbCdEf"))
	}
	if cl.Status != "creating" {
		parts = append(parts, el("Endpoint", tx("Address", cl.ID+".c0ffee0fake.us-west-2.redshift.amazonaws.com"), tx("Port", strconv.Itoa(cl.Port))))
	}
	return strings.Join(parts, "")
}

func (s *Server) ec2(action string, p url.Values) (string, *apiError) {
	switch action {
	case "DescribeSecurityGroupRules":
		var filters [][2]string // name, value
		for i := 1; ; i++ {
			name := p.Get("Filter." + strconv.Itoa(i) + ".Name")
			if name == "" {
				break
			}
			for _, v := range list(p, "Filter."+strconv.Itoa(i)+".Value", "") {
				filters = append(filters, [2]string{name, v})
			}
		}
		var ids []string
		for id := range s.state.Rules {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		var items []string
		for _, id := range ids {
			r := s.state.Rules[id]
			ok := true
			for _, f := range filters {
				switch {
				case strings.HasPrefix(f[0], "tag:"):
					ok = ok && r.Tags[strings.TrimPrefix(f[0], "tag:")] == f[1]
				case f[0] == "group-id":
					ok = ok && r.GroupID == f[1]
				default:
					return "", errf(400, "InvalidParameterValue", "awsfake: filter %s is not faked", f[0])
				}
			}
			if ok {
				items = append(items, ruleXML(r))
			}
		}
		return el("securityGroupRuleSet", items...), nil
	case "AuthorizeSecurityGroupIngress":
		group := p.Get("GroupId")
		if !strings.HasPrefix(group, "sg-") {
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

package awsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// The Redshift Serverless API speaks JSON (awsJson1_1): the operation is
// the X-Amz-Target header, RedshiftServerless.<Op>, and errors carry their
// code in X-Amzn-ErrorType and __type.
const serverlessTarget = "RedshiftServerless."

// Namespace is a fake Redshift Serverless namespace.
type Namespace struct {
	Name, ID, ARN, Status  string
	DBName, AdminUsername  string
	AdminPassword          string // as sent; "" when managed
	ManagePassword         bool
	IamRoles               []string
	DefaultIamRole         string
	KmsKeyID               string
	Tags                   map[string]string
	FinalSnapshot          string // asked for by DeleteNamespace
	FinalSnapshotRetention int
	polls                  int
}

// Workgroup is a fake Redshift Serverless workgroup.
type Workgroup struct {
	Name, ARN, Namespace, Status string
	BaseCapacity, Port           int
	SubnetIDs, SecurityGroups    []string
	Public                       bool
	VpcID                        string
	Tags                         map[string]string
	polls                        int
}

// ServerlessSnapshot is a final snapshot DeleteNamespace took.
type ServerlessSnapshot struct {
	Name, Namespace string
	RetentionDays   int
}

// WorkgroupEndpoint is the address of the workgroup's endpoint.
func WorkgroupEndpoint(name string) string {
	return name + "." + Account + ".us-west-2.redshift-serverless.amazonaws.com"
}

// serveServerless answers one Redshift Serverless request.
func (s *Server) serveServerless(w http.ResponseWriter, r *http.Request, op string) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, "awsfake: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	reqID := fmt.Sprintf("req-%d", s.seq)
	s.calls = append(s.calls, Call{Service: "redshift-serverless", Action: op, Body: body})
	var out map[string]any
	var aerr *apiError
	if i := slices.IndexFunc(s.failures, func(f failure) bool { return f.action == op }); i >= 0 {
		f := s.failures[i]
		s.failures = slices.Delete(s.failures, i, i+1)
		aerr = &apiError{f.status, f.code, f.message}
	} else {
		out, aerr = s.serverless(op, body)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", reqID)
	if aerr != nil {
		w.Header().Set("X-Amzn-ErrorType", aerr.code)
		w.WriteHeader(aerr.status)
		json.NewEncoder(w).Encode(map[string]string{"__type": aerr.code, "message": aerr.message})
		return
	}
	if out == nil {
		out = map[string]any{}
	}
	json.NewEncoder(w).Encode(out)
}

func str(body map[string]any, key string) string {
	v, _ := body[key].(string)
	return v
}

func strList(body map[string]any, key string) []string {
	var out []string
	vs, _ := body[key].([]any)
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func num(body map[string]any, key string) (int, bool) {
	v, ok := body[key].(float64)
	return int(v), ok
}

func serverlessTags(body map[string]any) map[string]string {
	m := map[string]string{}
	vs, _ := body["tags"].([]any)
	for _, v := range vs {
		if t, ok := v.(map[string]any); ok {
			m[str(t, "key")] = str(t, "value")
		}
	}
	return m
}

func conflict(format string, a ...any) *apiError {
	return errf(400, "ConflictException", format, a...)
}

func invalid(format string, a ...any) *apiError {
	return errf(400, "ValidationException", format, a...)
}

func (s *Server) serverless(op string, body map[string]any) (map[string]any, *apiError) {
	nsName, wgName := str(body, "namespaceName"), str(body, "workgroupName")
	ns, wg := s.state.Namespaces[nsName], s.state.Workgroups[wgName]
	nsMissing := func() *apiError {
		return errf(400, "ResourceNotFoundException", "Namespace %s does not exist.", nsName)
	}
	wgMissing := func() *apiError {
		return errf(400, "ResourceNotFoundException", "Workgroup %s does not exist.", wgName)
	}
	switch op {
	case "GetCredentials":
		return s.getCredentials(body)
	case "GetNamespace":
		if ns == nil {
			return nil, nsMissing()
		}
		s.advanceNamespace(ns)
		if ns.Status == "gone" {
			s.removeNamespace(ns)
			return nil, nsMissing()
		}
		return map[string]any{"namespace": namespaceJSON(ns)}, nil
	case "CreateNamespace":
		if ns != nil {
			return nil, conflict("Namespace %s already exists.", nsName)
		}
		ns = &Namespace{
			Name: nsName, ID: fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq), Status: "MODIFYING",
			DBName: str(body, "dbName"), AdminUsername: str(body, "adminUsername"), AdminPassword: str(body, "adminUserPassword"),
			ManagePassword: body["manageAdminPassword"] == true, IamRoles: strList(body, "iamRoles"),
			DefaultIamRole: str(body, "defaultIamRoleArn"), KmsKeyID: str(body, "kmsKeyId"), Tags: serverlessTags(body),
		}
		ns.ARN = "arn:aws:redshift-serverless:us-west-2:" + Account + ":namespace/" + ns.ID
		if ns.DBName == "" {
			ns.DBName = "dev"
		}
		if ns.ManagePassword && ns.AdminPassword != "" {
			return nil, invalid("You can't use adminUserPassword if manageAdminPassword is true.")
		}
		if ns.DefaultIamRole != "" && !slices.Contains(ns.IamRoles, ns.DefaultIamRole) {
			return nil, invalid("The default IAM role %s must be one of the namespace's IAM roles.", ns.DefaultIamRole)
		}
		if aerr := s.assumable(ns.IamRoles); aerr != nil {
			return nil, invalid("%s", aerr.message)
		}
		if ns.ManagePassword {
			s.state.Secrets[namespaceSecretARN(ns)] = ns.Name
		}
		s.state.Namespaces[nsName] = ns
		return map[string]any{"namespace": namespaceJSON(ns)}, nil
	case "UpdateNamespace":
		if ns == nil {
			return nil, nsMissing()
		}
		if ns.Status != "AVAILABLE" {
			return nil, conflict("There is an operation running on the namespace %s. Try again later.", nsName)
		}
		if roles, ok := body["iamRoles"]; ok && roles != nil {
			ns.IamRoles = strList(body, "iamRoles")
		}
		if v := str(body, "defaultIamRoleArn"); v != "" {
			if !slices.Contains(ns.IamRoles, v) {
				return nil, invalid("The default IAM role %s must be one of the namespace's IAM roles.", v)
			}
			ns.DefaultIamRole = v
		}
		if aerr := s.assumable(ns.IamRoles); aerr != nil {
			return nil, invalid("%s", aerr.message)
		}
		ns.Status, ns.polls = "MODIFYING", 0
		return map[string]any{"namespace": namespaceJSON(ns)}, nil
	case "DeleteNamespace":
		if ns == nil {
			return nil, nsMissing()
		}
		for _, w := range s.state.Workgroups {
			if w.Namespace == nsName {
				return nil, conflict("Namespace %s has workgroup %s: delete the workgroup first.", nsName, w.Name)
			}
		}
		if ns.Status != "AVAILABLE" {
			return nil, conflict("There is an operation running on the namespace %s. Try again later.", nsName)
		}
		if snap := str(body, "finalSnapshotName"); snap != "" {
			if s.state.ServerlessSnapshots[snap] != nil {
				return nil, conflict("Snapshot %s already exists.", snap)
			}
			ns.FinalSnapshot = snap
			ns.FinalSnapshotRetention, _ = num(body, "finalSnapshotRetentionPeriod")
		}
		ns.Status, ns.polls = "DELETING", 0
		return map[string]any{"namespace": namespaceJSON(ns)}, nil
	case "GetWorkgroup":
		if wg == nil {
			return nil, wgMissing()
		}
		s.advanceWorkgroup(wg)
		if wg.Status == "gone" {
			delete(s.state.Workgroups, wg.Name)
			return nil, wgMissing()
		}
		return map[string]any{"workgroup": workgroupJSON(wg)}, nil
	case "CreateWorkgroup":
		return s.createWorkgroup(body)
	case "UpdateWorkgroup":
		if wg == nil {
			return nil, wgMissing()
		}
		if wg.Status != "AVAILABLE" {
			return nil, conflict("There is an operation running on the workgroup %s. Try again later.", wgName)
		}
		// "You can't update multiple workgroup parameters in a single
		// request" (UpdateWorkgroup API reference).
		var set []string
		for _, k := range []string{"baseCapacity", "publiclyAccessible", "securityGroupIds", "subnetIds", "port", "maxCapacity", "enhancedVpcRouting"} {
			if v, ok := body[k]; ok && v != nil {
				set = append(set, k)
			}
		}
		if len(set) != 1 {
			return nil, invalid("You can't update multiple workgroup parameters in a single request: %s.", strings.Join(set, ", "))
		}
		switch set[0] {
		case "baseCapacity":
			n, _ := num(body, "baseCapacity")
			if !validRPU(n) {
				return nil, invalid("Base capacity %d is not valid.", n)
			}
			wg.BaseCapacity = n
		case "publiclyAccessible":
			if body["publiclyAccessible"] == true && s.BlockPublicAccess {
				return nil, invalid("VPC Block Public Access is turned on for this VPC: a publicly accessible workgroup is not allowed.")
			}
			wg.Public = body["publiclyAccessible"] == true
		case "securityGroupIds":
			groups := strList(body, "securityGroupIds")
			if aerr := s.groupsIn(groups, wg.VpcID); aerr != nil {
				return nil, aerr
			}
			wg.SecurityGroups = groups
		default:
			return nil, invalid("awsfake: updating %s is not faked", set[0])
		}
		wg.Status, wg.polls = "MODIFYING", 0
		return map[string]any{"workgroup": workgroupJSON(wg)}, nil
	case "DeleteWorkgroup":
		if wg == nil {
			return nil, wgMissing()
		}
		if wg.Status != "AVAILABLE" {
			return nil, conflict("There is an operation running on the workgroup %s. Try again later.", wgName)
		}
		wg.Status, wg.polls = "DELETING", 0
		return map[string]any{"workgroup": workgroupJSON(wg)}, nil
	case "ListTagsForResource":
		arn := str(body, "resourceArn")
		for _, n := range s.state.Namespaces {
			if n.ARN == arn {
				return map[string]any{"tags": tagsJSON(n.Tags)}, nil
			}
		}
		for _, w := range s.state.Workgroups {
			if w.ARN == arn {
				return map[string]any{"tags": tagsJSON(w.Tags)}, nil
			}
		}
		return nil, errf(400, "ResourceNotFoundException", "Resource %s does not exist.", arn)
	}
	return nil, invalid("awsfake: Redshift Serverless action %s is not faked", op)
}

func (s *Server) createWorkgroup(body map[string]any) (map[string]any, *apiError) {
	name, nsName := str(body, "workgroupName"), str(body, "namespaceName")
	if s.state.Workgroups[name] != nil {
		return nil, conflict("Workgroup %s already exists.", name)
	}
	ns := s.state.Namespaces[nsName]
	if ns == nil {
		return nil, errf(400, "ResourceNotFoundException", "Namespace %s does not exist.", nsName)
	}
	if ns.Status != "AVAILABLE" {
		return nil, conflict("Namespace %s is %s: try again when it is available.", nsName, ns.Status)
	}
	for _, w := range s.state.Workgroups {
		if w.Namespace == nsName {
			return nil, conflict("Namespace %s already has workgroup %s.", nsName, w.Name)
		}
	}
	wg := &Workgroup{
		Name: name, Namespace: nsName, Status: "CREATING", BaseCapacity: 128, Port: 5439,
		SubnetIDs: strList(body, "subnetIds"), SecurityGroups: strList(body, "securityGroupIds"),
		Public: body["publiclyAccessible"] == true, Tags: serverlessTags(body),
		ARN: "arn:aws:redshift-serverless:us-west-2:" + Account + ":workgroup/" + fmt.Sprintf("%08x-1111-4000-8000-%012x", s.seq, s.seq),
	}
	if n, ok := num(body, "baseCapacity"); ok {
		if !validRPU(n) {
			return nil, invalid("Base capacity %d is not valid.", n)
		}
		wg.BaseCapacity = n
	}
	if n, ok := num(body, "port"); ok {
		wg.Port = n
	}
	if len(wg.SubnetIDs) == 0 {
		if s.NoDefaultVPC {
			return nil, invalid("No default VPC exists for this account in this region: specify subnetIds.")
		}
		wg.SubnetIDs = slices.Clone(DefaultSubnets)
	}
	for _, sn := range wg.SubnetIDs {
		vpc, ok := s.state.Subnets[sn]
		if !ok || (wg.VpcID != "" && vpc != wg.VpcID) {
			return nil, invalid("Subnet %s does not exist or is not in the VPC of the other subnets.", sn)
		}
		wg.VpcID = vpc
	}
	if len(wg.SecurityGroups) == 0 {
		for _, g := range s.state.SecurityGroups {
			if g.VpcID == wg.VpcID && g.Name == "default" {
				wg.SecurityGroups = []string{g.ID}
			}
		}
	}
	if aerr := s.groupsIn(wg.SecurityGroups, wg.VpcID); aerr != nil {
		return nil, aerr
	}
	if wg.Public && s.BlockPublicAccess {
		return nil, invalid("VPC Block Public Access is turned on for this VPC: a publicly accessible workgroup is not allowed.")
	}
	s.state.Workgroups[name] = wg
	return map[string]any{"workgroup": workgroupJSON(wg)}, nil
}

func (s *Server) groupsIn(groups []string, vpc string) *apiError {
	for _, g := range groups {
		if sg := s.state.SecurityGroups[g]; sg == nil || sg.VpcID != vpc {
			return invalid("The security group %s does not exist in VPC %s.", g, vpc)
		}
	}
	return nil
}

// validRPU applies the base capacities Redshift Serverless accepts.
func validRPU(n int) bool {
	return n == 4 || (n >= 8 && n <= 512 && n%8 == 0) || (n > 512 && n <= 1024 && n%32 == 0)
}

// advanceNamespace moves a namespace through its transitional statuses,
// one GetNamespace call at a time.
func (s *Server) advanceNamespace(ns *Namespace) {
	if ns.polls < s.ServerlessPolls {
		ns.polls++
		return
	}
	switch ns.Status {
	case "MODIFYING":
		ns.Status, ns.polls = "AVAILABLE", 0
	case "DELETING":
		ns.Status, ns.polls = "gone", 0
	}
}

// advanceWorkgroup moves a workgroup through its transitional statuses,
// one GetWorkgroup call at a time.
func (s *Server) advanceWorkgroup(wg *Workgroup) {
	if s.StuckCreating && wg.Status == "CREATING" {
		return
	}
	if wg.polls < s.ServerlessPolls {
		wg.polls++
		return
	}
	switch wg.Status {
	case "CREATING", "MODIFYING":
		wg.Status, wg.polls = "AVAILABLE", 0
	case "DELETING":
		wg.Status, wg.polls = "gone", 0
	}
}

// removeNamespace deletes a namespace that is gone, records its final
// snapshot and deletes its managed secret.
func (s *Server) removeNamespace(ns *Namespace) {
	if ns.FinalSnapshot != "" {
		s.state.ServerlessSnapshots[ns.FinalSnapshot] = &ServerlessSnapshot{Name: ns.FinalSnapshot, Namespace: ns.Name, RetentionDays: ns.FinalSnapshotRetention}
	}
	delete(s.state.Secrets, namespaceSecretARN(ns))
	delete(s.state.Namespaces, ns.Name)
}

func namespaceSecretARN(ns *Namespace) string {
	return "arn:aws:secretsmanager:us-west-2:" + Account + ":secret:redshift!" + ns.Name + "-admin-AbCdEf"
}

func tagsJSON(m map[string]string) []map[string]string {
	out := []map[string]string{}
	for _, k := range sortedKeys(m) {
		out = append(out, map[string]string{"key": k, "value": m[k]})
	}
	return out
}

func namespaceJSON(ns *Namespace) map[string]any {
	m := map[string]any{
		"namespaceName": ns.Name, "namespaceId": ns.ID, "namespaceArn": ns.ARN, "status": ns.Status,
		"dbName": ns.DBName, "adminUsername": ns.AdminUsername, "iamRoles": ns.IamRoles,
		"creationDate": "2024-01-01T00:00:00Z",
	}
	if ns.DefaultIamRole != "" {
		m["defaultIamRoleArn"] = ns.DefaultIamRole
	}
	if ns.KmsKeyID != "" {
		m["kmsKeyId"] = ns.KmsKeyID
	} else {
		m["kmsKeyId"] = "AWS_OWNED_KMS_KEY"
	}
	if ns.ManagePassword {
		m["adminPasswordSecretArn"] = namespaceSecretARN(ns)
	}
	return m
}

func workgroupJSON(wg *Workgroup) map[string]any {
	m := map[string]any{
		"workgroupName": wg.Name, "workgroupArn": wg.ARN, "namespaceName": wg.Namespace, "status": wg.Status,
		"baseCapacity": wg.BaseCapacity, "port": wg.Port, "subnetIds": wg.SubnetIDs, "securityGroupIds": wg.SecurityGroups,
		"publiclyAccessible": wg.Public, "creationDate": "2024-01-01T00:00:00Z",
	}
	if wg.Status != "CREATING" {
		m["endpoint"] = map[string]any{"address": WorkgroupEndpoint(wg.Name), "port": wg.Port}
	}
	return m
}

package awsfake

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"time"
)

// DBCaller is the identity the fake's credential calls come from: the
// temporary database user GetClusterCredentialsWithIAM and GetCredentials
// issue is "IAMR:" and its role name, as for a role.
const DBCaller = "sparkify-job"

// dbCredential is one temporary database password the fake issued.
type dbCredential struct {
	user, password, database string
	expires                  time.Time
}

// issueDB issues temporary credentials to database, valid for durationSeconds
// (900 to 3600, default 900, as the APIs document).
func (s *Server) issueDB(database, duration string) (dbCredential, *apiError) {
	secs := 900
	if duration != "" {
		n, err := strconv.Atoi(duration)
		if err != nil || n < 900 || n > 3600 {
			return dbCredential{}, errf(400, "InvalidParameterValue", "DurationSeconds must be between 900 and 3600 seconds")
		}
		secs = n
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	c := dbCredential{user: "IAMR:" + DBCaller, password: hex.EncodeToString(b), database: database, expires: s.now().Add(time.Duration(secs) * time.Second)}
	s.dbCreds = append(s.dbCreds, c)
	return c, nil
}

// getClusterCredentialsWithIAM answers redshift:GetClusterCredentialsWithIAM
// for a cluster in the state.
func (s *Server) getClusterCredentialsWithIAM(p url.Values) (string, *apiError) {
	id := p.Get("ClusterIdentifier")
	if s.state.Clusters[id] == nil {
		return "", errf(404, "ClusterNotFound", "Cluster %s not found.", id)
	}
	c, aerr := s.issueDB(p.Get("DbName"), p.Get("DurationSeconds"))
	if aerr != nil {
		return "", aerr
	}
	return tx("DbUser", c.user) + tx("DbPassword", c.password) + tx("Expiration", c.expires.UTC().Format(time.RFC3339)) +
		tx("NextRefreshTime", c.expires.Add(-5*time.Minute).UTC().Format(time.RFC3339)), nil
}

// getCredentials answers redshift-serverless:GetCredentials for a workgroup
// in the state.
func (s *Server) getCredentials(body map[string]any) (map[string]any, *apiError) {
	name := str(body, "workgroupName")
	if s.state.Workgroups[name] == nil {
		return nil, errf(400, "ResourceNotFoundException", "Workgroup %s not found.", name)
	}
	d := ""
	if n, ok := num(body, "durationSeconds"); ok {
		d = strconv.Itoa(n)
	}
	c, aerr := s.issueDB(str(body, "dbName"), d)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"dbUser": c.user, "dbPassword": c.password,
		"expiration": float64(c.expires.Unix()), "nextRefreshTime": float64(c.expires.Add(-5 * time.Minute).Unix())}, nil
}

// ErrDBCredentials is a database login with credentials the fake did not
// issue, or that have expired.
var ErrDBCredentials = errors.New("password authentication failed: not credentials issued by GetClusterCredentialsWithIAM or GetCredentials, or expired")

// CheckDBCredentials accepts a database login (user, password, database)
// only with credentials the fake issued, for that database, unexpired: give
// it to the Redshift emulator, so that a test proves the whole IAM path.
func (s *Server) CheckDBCredentials(user, password, database string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, c := range s.dbCreds {
		if c.user == user && c.password == password && (c.database == "" || c.database == database) && now.Before(c.expires) {
			return nil
		}
	}
	return ErrDBCredentials
}

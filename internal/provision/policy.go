package provision

import (
	"encoding/json"
	"net/url"
	"reflect"
)

type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
}

func (d policyDocument) String() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // static shapes: cannot fail
	}
	return string(b)
}

// trustPolicy lets Redshift assume the role.
func trustPolicy() string {
	return policyDocument{
		Version: "2012-10-17",
		Statement: []statement{{
			Effect:    "Allow",
			Principal: map[string]any{"Service": "redshift.amazonaws.com"},
			Action:    "sts:AssumeRole",
		}},
	}.String()
}

// serverlessTrustPolicy lets Redshift and Redshift Serverless assume the
// role, as the default IAM role of a namespace needs.
func serverlessTrustPolicy() string {
	return policyDocument{
		Version: "2012-10-17",
		Statement: []statement{{
			Effect:    "Allow",
			Principal: map[string]any{"Service": []string{"redshift.amazonaws.com", "redshift-serverless.amazonaws.com"}},
			Action:    "sts:AssumeRole",
		}},
	}.String()
}

// trustPolicy is the trust policy of the role for s's deployment.
func (s Spec) trustPolicy() string {
	if s.Serverless {
		return serverlessTrustPolicy()
	}
	return trustPolicy()
}

// readPolicy allows listing the source buckets and reading their objects,
// and nothing else. partition is "aws" except in China and GovCloud.
func readPolicy(partition string, buckets []string) string {
	var bucketARNs, objectARNs []string
	for _, b := range buckets {
		bucketARNs = append(bucketARNs, "arn:"+partition+":s3:::"+b)
		objectARNs = append(objectARNs, "arn:"+partition+":s3:::"+b+"/*")
	}
	return policyDocument{
		Version: "2012-10-17",
		Statement: []statement{
			{Sid: "ListSourceBuckets", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: bucketARNs},
			{Sid: "ReadSourceObjects", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: objectARNs},
		},
	}.String()
}

// managedPolicyARN is the ARN of AmazonS3ReadOnlyAccess in partition.
func managedPolicyARN(partition string) string {
	return "arn:" + partition + ":iam::aws:policy/" + managedPolicyName
}

// samePolicy reports whether got, a policy document as IAM returns it
// (URL-encoded JSON), means the same JSON as want.
func samePolicy(got, want string) bool {
	if dec, err := url.QueryUnescape(got); err == nil {
		got = dec
	}
	var g, w any
	if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	return reflect.DeepEqual(normalize(g), normalize(w))
}

// normalize makes single-element arrays and plain strings equal, as IAM
// treats them.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
		return t
	case []any:
		if len(t) == 1 {
			return normalize(t[0])
		}
		for i, e := range t {
			t[i] = normalize(e)
		}
		return t
	}
	return v
}

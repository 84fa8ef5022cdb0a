// Package provision creates and removes the resources the warehouse runs on.
//
// For the redshift target it manages, with aws-sdk-go-v2, an IAM role that
// Redshift assumes to read the source buckets, a Redshift cluster (or, with
// SPARKIFY_REDSHIFT_DEPLOYMENT=serverless, a Redshift Serverless namespace
// and workgroup), and an optional security-group ingress rule on the
// endpoint's port. Every step reads
// the current state first and writes only what is missing or has drifted, so
// a run that failed midway is finished by running it again. Resources this
// job creates carry the tag [TagKey]; the job refuses to adopt or delete a
// role, cluster, namespace or workgroup of the same name that lacks it, and
// reads every such owner before its first write.
//
// For the postgres target it creates (and, when confirmed, drops) the
// database named in the connection URL.
//
// Plans print what a run would do without credentials or network.
package provision

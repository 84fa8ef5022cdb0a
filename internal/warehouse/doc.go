// Package warehouse builds and runs a load: the ordered plan of statements
// for a target (schema migrations, staging, the shared transforms and
// quality checks), executed in one transaction so that the star tables are
// either fully updated or left as they were.
package warehouse

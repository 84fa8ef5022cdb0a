// Package testkit holds the test equipment: stand-ins for what cannot run
// here (AWS, Redshift, S3, a Pushgateway) and the container helpers, shared by
// the integration suite, the bench and the emulator binaries; the job never imports it.
package testkit

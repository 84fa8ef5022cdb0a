// Package config reads the job's configuration from the environment, once,
// and validates it into a plain Config that the rest of the program is given.
package config

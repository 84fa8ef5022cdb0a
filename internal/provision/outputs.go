package provision

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// lines returns the outputs as KEY=value lines, in a fixed order, without
// quotes, so that both a shell (set -a; . file) and docker run --env-file
// read them.
func (o Outputs) lines() []string {
	l := []string{
		"SPARKIFY_DATABASE_URL=" + o.DatabaseURL,
		"SPARKIFY_IAM_ROLE_ARN=" + o.RoleARN,
		"SPARKIFY_REDSHIFT_ENDPOINT=" + o.Endpoint,
		"SPARKIFY_REDSHIFT_PORT=" + strconv.Itoa(o.Port),
	}
	if o.PasswordSecretARN != "" {
		l = append(l, "SPARKIFY_REDSHIFT_PASSWORD_SECRET_ARN="+o.PasswordSecretARN)
	}
	return l
}

// Write writes the outputs to w as KEY=value lines.
func (o Outputs) Write(w io.Writer) error {
	_, err := io.WriteString(w, strings.Join(o.lines(), "\n")+"\n")
	return err
}

// WriteFile writes the outputs to path as KEY=value lines, replacing the
// file atomically.
func (o Outputs) WriteFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write outputs (SPARKIFY_OUTPUT_FILE): %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := o.Write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write outputs (SPARKIFY_OUTPUT_FILE): %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write outputs (SPARKIFY_OUTPUT_FILE): %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write outputs (SPARKIFY_OUTPUT_FILE): %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write outputs (SPARKIFY_OUTPUT_FILE): %w", err)
	}
	return nil
}

package warehouse

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestTranslateNamesWhatTheDatabaseSaid(t *testing.T) {
	tests := []struct {
		err  error
		want error // the sentinel errors.Is finds; nil: none of them
	}{
		{&pgconn.PgError{Code: "42P01", Message: `relation "sparkify_objects" does not exist`}, ErrUndefinedTable},
		{&pgconn.PgError{Code: "42501", Message: "permission denied for relation stl_load_errors"}, ErrPermissionDenied},
		{fmt.Errorf("scan: %w", pgx.ErrNoRows), ErrNoRows},
		{&pgconn.PgError{Code: "23505", Message: "duplicate key value violates unique constraint"}, nil},
	}
	sentinels := []error{ErrUndefinedTable, ErrPermissionDenied, ErrNoRows, ErrLockTimeout}
	for _, tt := range tests {
		got := translate(tt.err)
		if got.Error() != tt.err.Error() {
			t.Errorf("translate(%v) says %q: the driver's text must stay", tt.err, got)
		}
		if !errors.Is(got, tt.err) && !errors.Is(got, errors.Unwrap(tt.err)) {
			t.Errorf("translate(%v) no longer wraps the driver's error", tt.err)
		}
		for _, s := range sentinels {
			if errors.Is(got, s) != (s == tt.want) {
				t.Errorf("errors.Is(translate(%v), %v) = %v, want %v", tt.err, s, errors.Is(got, s), s == tt.want)
			}
		}
	}
	var pgErr *pgconn.PgError
	if !errors.As(translate(&pgconn.PgError{Code: "57014"}), &pgErr) || pgErr.Code != "57014" {
		t.Error("the driver's error is no longer reachable with errors.As")
	}
	var dbErr *DBError
	if !errors.As(translate(&pgconn.PgError{Code: "23505", Detail: "Key (id)=(1) already exists."}), &dbErr) || dbErr.Detail != "Key (id)=(1) already exists." {
		t.Errorf("the server's detail line is lost: %+v", dbErr)
	}
	if translate(nil) != nil {
		t.Error("translate(nil) != nil")
	}
}

package warehouse

import (
	"errors"
	"io/fs"
)

func redshiftCopies(fsys fs.FS, o Options) ([]Statement, error) {
	return nil, errors.New("redshift staging is not built yet")
}

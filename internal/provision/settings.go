package provision

import (
	"time"

	"github.com/sparkify/warehouse/internal/source"
)

// Settings are the values NewSpec validates: the provision variables and the
// sources whose buckets the role reads. Each field is named as the
// configuration field it comes from, which a *SettingError names.
type Settings struct {
	ClusterID         string
	NodeType          string
	NodeCount         int
	DBName            string
	DBUser            string
	DBPassword        string
	DBPort            int
	IAMRoleName       string
	ManagedS3Policy   bool
	IngressCIDR       string
	AllowPublic       bool
	SecurityGroupID   string
	SubnetGroup       string
	SubnetIDs         []string
	IPAddressType     string
	WaitTimeout       time.Duration
	SkipFinalSnapshot bool

	PubliclyAccessible bool
	RedshiftDeployment string // provisioned (or empty) or serverless
	ServerlessBaseRPU  int

	// The sources Redshift's COPY reads: the role may read their buckets.
	SongData    source.Location
	LogData     source.Location
	LogJSONPath string
	StagingURI  source.Location // the job's COPY manifests; zero when unset
}

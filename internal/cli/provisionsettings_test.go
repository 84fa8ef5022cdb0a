package cli

import (
	"reflect"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/provision"
	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// TestProvisionSettings: every provision.Settings field is named as the
// variable's config.Config field it comes from (a *provision.SettingError
// names the field), and provisionSettings copies each one.
func TestProvisionSettings(t *testing.T) {
	var cfg config.Config
	settings := reflect.TypeFor[provision.Settings]()
	for i := range settings.NumField() {
		name := settings.Field(i).Name
		if _, ok := variable(name); !ok {
			t.Fatalf("provision.Settings.%s: no variable sets config.Config field %s", name, name)
		}
		setNonZero(t, reflect.ValueOf(&cfg).Elem().FieldByName(name), i)
	}
	got := reflect.ValueOf(provisionSettings(cfg))
	for i := range settings.NumField() {
		name := settings.Field(i).Name
		want := reflect.ValueOf(cfg).FieldByName(name).Interface()
		if s3, ok := want.(config.S3Location); ok {
			want = s3.Location
		}
		if g := got.Field(i).Interface(); !reflect.DeepEqual(g, want) {
			t.Errorf("provisionSettings: %s = %v, want %v", name, g, want)
		}
	}
}

// setNonZero sets v to a value of its type that no other field of the test
// shares.
func setNonZero(t *testing.T, v reflect.Value, i int) {
	t.Helper()
	loc := source.Location{Scheme: "s3", Bucket: "bucket", Path: string(rune('a' + i))}
	switch p := v.Addr().Interface().(type) {
	case *string:
		*p = string(rune('a' + i))
	case *int:
		*p = i + 1
	case *bool:
		*p = true
	case *time.Duration:
		*p = time.Duration(i+1) * time.Minute
	case *[]string:
		*p = []string{string(rune('a' + i))}
	case *source.Location:
		*p = loc
	case *config.S3Location:
		p.Location = loc
	default:
		t.Fatalf("no test value for %s", v.Type())
	}
}

func TestEveryTargetHasAProvisioner(t *testing.T) {
	for _, target := range warehouse.Targets() {
		if provisioners[target] == nil {
			t.Errorf("target %s has no provisioner: add one to provisioners", target)
		}
	}
	if len(provisioners) != len(warehouse.Targets()) {
		t.Errorf("provisioners for %d targets, want %d (%v)", len(provisioners), len(warehouse.Targets()), warehouse.Targets())
	}
}

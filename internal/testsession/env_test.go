package testsession

import (
	"strings"
	"testing"
)

// TestLoadEnvMissing checks that an announced but incomplete environment is an error (FromEnv
// turns it into t.Fatalf), naming the variable.
func TestLoadEnvMissing(t *testing.T) {
	t.Setenv(EnvServices, "1")
	t.Setenv(EnvDovecotConf, "")
	_, err := loadEnv()
	if err == nil || !strings.Contains(err.Error(), EnvDovecotConf) {
		t.Errorf("loadEnv() = %v, want an error naming %s", err, EnvDovecotConf)
	}
}

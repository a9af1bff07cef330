package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes what the tests built once for all of them (the server
// binary, the fault database's binary): each is tens of MB in the system's
// temporary directory, and every run would leave another.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	if faultDBBin != "" {
		_ = os.RemoveAll(filepath.Dir(faultDBBin))
	}
	os.Exit(code)
}

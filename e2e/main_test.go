package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestMain removes what the tests built once for all of them (the server
// binary, the fault database's binary): each is tens of MB in the system's
// temporary directory, and every run would leave another. It fails the
// run if a browser left its singleton directory there: each gets a TMPDIR
// of its own test (newChromium).
func TestMain(m *testing.M) {
	browserDirs := filepath.Join(os.TempDir(), "org.chromium.Chromium.*")
	before, _ := filepath.Glob(browserDirs)
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	if faultDBBin != "" {
		_ = os.RemoveAll(filepath.Dir(faultDBBin))
	}
	after, _ := filepath.Glob(browserDirs)
	for _, d := range after {
		if !slices.Contains(before, d) {
			fmt.Fprintf(os.Stderr, "FAIL: a browser left %s behind\n", d)
			code = 1
		}
	}
	os.Exit(code)
}

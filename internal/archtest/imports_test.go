package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection fails when a package depends, even indirectly, on
// one it must not know (docs/ARCHITECTURE.md, "Packages").
func TestImportDirection(t *testing.T) {
	forbidden := map[string][]string{
		"mypinterest/store": {"mypinterest/handlers", "mypinterest/hub", "mypinterest/media",
			"github.com/gofiber/fiber/v2", "github.com/coder/websocket", "github.com/redis/go-redis/v9"},
		"mypinterest/hub": {"mypinterest/store", "mypinterest/handlers", "mypinterest/media",
			"go.mongodb.org/mongo-driver/v2/mongo"},
		"mypinterest/media":       {"mypinterest/handlers", "mypinterest/hub", "github.com/gofiber/fiber/v2"},
		"mypinterest/public":      {"mypinterest/store", "mypinterest/handlers", "mypinterest/hub", "mypinterest/media"},
		"mypinterest/handlers":    {"mypinterest/cmd/mypinterest"},
		"mypinterest/cmd/loadgen": {"mypinterest/store", "mypinterest/handlers", "mypinterest/hub", "mypinterest/media"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			deps[d] = true
		}
		for _, b := range bad {
			if deps[b] {
				t.Errorf("%s depends on %s", pkg, b)
			}
		}
	}
}

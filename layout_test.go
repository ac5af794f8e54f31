package flowsd_test

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The import rule docs/architecture.md draws: which of flowsd's packages each may import. Background work,
// throttle and runtime sit at the bottom and know nothing of the domain; nothing imports api but cmd.
var allowedImports = map[string][]string{
	"work":                   {},
	"channels":               {},
	"throttle":               {},
	"urns":                   {},
	"migrations":             {},
	"netguard":               {},
	"schedules":              {},
	"metrics":                {},
	"runtime":                {"metrics", "netguard", "throttle", "work"},
	"models":                 {"migrations", "runtime", "schedules", "urns", "work"},
	"archives":               {"models"},
	"flows":                  {"channels", "models", "netguard", "runtime", "schedules", "urns", "work"},
	"gateway":                {"channels", "flows", "models", "netguard", "runtime", "throttle", "urns", "work"},
	"api":                    {"channels", "flows", "models", "runtime", "throttle", "urns", "work"},
	"cmd/flowsd":             {"api", "archives", "channels", "channels/external", "channels/wac", "flows", "gateway", "metrics", "models", "runtime", "schedules", "throttle", "urns", "work"},
	"channels/external":      {"channels"},
	"channels/wac":           {"channels"},
	"channels/wac/graphtest": {},
	"channels/channeltest":   {"channels"},
	"testdb":                 {"models", "runtime"},
}

// gormImporters are the only packages whose code (tests included) may import GORM: the rest of flowsd asks models.
var gormImporters = []string{"models", "testdb"}

const module = "github.com/flowsd/flowsd/"

type listedPackage struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
}

// TestImportRule: every package imports only what the architecture allows it, and GORM only models and testdb.
// A new package must be given its place here (and in docs/architecture.md).
func TestImportRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		if name == strings.TrimSuffix(module, "/") {
			continue // this test's own package
		}
		seen++
		allowed, known := allowedImports[name]
		if !known {
			t.Errorf("package %s has no place in the import rule: add it to allowedImports and docs/architecture.md", name)
			continue
		}
		for _, imp := range p.Imports {
			if dep, ours := strings.CutPrefix(imp, module); ours && !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s, which the architecture doesn't allow it", name, dep)
			}
		}
		for _, imp := range slices.Concat(p.Imports, p.TestImports, p.XTestImports) {
			if strings.HasPrefix(imp, "gorm.io/") && !slices.Contains(gormImporters, name) {
				t.Errorf("%s imports %s: only %v may, everyone else asks models", name, imp, gormImporters)
			}
		}
	}
	if seen < len(allowedImports) {
		t.Errorf("go list found %d packages, fewer than the %d the rule names", seen, len(allowedImports))
	}
}

// TestNoHandlesOutsideModels: the functions of models that hand out a GORM handle are for testdb alone; a
// package holding one could query without importing GORM.
func TestNoHandlesOutsideModels(t *testing.T) {
	out, err := exec.Command("git", "grep", "-n", "-E", `models\.(Open|NewStore|Migrate|Close)\(`, "--", "*.go", ":!models/", ":!testdb/", ":!layout_test.go").Output()
	if err != nil && len(out) > 0 {
		t.Fatalf("git grep: %v", err)
	}
	if len(out) > 0 {
		t.Errorf("GORM handles used outside models and testdb:\n%s", out)
	}
}

package plugin

import (
	"path/filepath"
	"testing"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis/analysistest"
)

// golangci-lint finds the plugin by the name .golangci.yml gives it, builds its analyzers and runs them with types:
// the analyzer it hands over finds the cross-package client-per-request of the analyzer's own test data.
func TestPluginRunsTheAnalyzer(t *testing.T) {
	newPlugin, err := register.GetPlugin("kleak")
	if err != nil {
		t.Fatalf("the plugin is not registered under kleak: %v", err)
	}
	p, err := newPlugin(nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.GetLoadMode() != register.LoadModeTypesInfo {
		t.Fatalf("load mode %q: the analyzer needs types", p.GetLoadMode())
	}
	analyzers, err := p.BuildAnalyzers()
	if err != nil || len(analyzers) != 1 || analyzers[0].Name != "kleak" {
		t.Fatalf("analyzers %v, %v", analyzers, err)
	}
	testdata, err := filepath.Abs(filepath.Join("..", "kleakanalysis", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, testdata, analyzers[0], "example.com/api")
}

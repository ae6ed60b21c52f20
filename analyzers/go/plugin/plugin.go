// Package plugin makes kleak's analyzer a golangci-lint module plugin: build a golangci-lint with it
// (`golangci-lint custom`, .custom-gcl.yml naming this module and its import path
// github.com/kleak-dev/kleak/analyzers/go/plugin) and enable the linter `kleak` (type: module) in .golangci.yml.
// docs/go-analyzer.md has both files.
package plugin

import (
	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/kleak-dev/kleak/analyzers/go/kleakanalysis"
)

func init() {
	register.Plugin("kleak", New)
}

// New is the plugin's constructor; kleak's analyzer takes no settings.
func New(any) (register.LinterPlugin, error) {
	return kleakPlugin{}, nil
}

type kleakPlugin struct{}

// BuildAnalyzers hands golangci-lint the one analyzer kleak-vet runs.
func (kleakPlugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return []*analysis.Analyzer{kleakanalysis.Analyzer}, nil
}

// GetLoadMode asks for types: the analyzer resolves calls across packages through facts.
func (kleakPlugin) GetLoadMode() string {
	return register.LoadModeTypesInfo
}

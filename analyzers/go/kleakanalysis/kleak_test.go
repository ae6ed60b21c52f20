package kleakanalysis_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/kleak-dev/kleak/analyzers/go/kleakanalysis"
)

func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), kleakanalysis.Analyzer, "example.com/repo", "example.com/svc", "example.com/api", "example.com/app", "example.com/worker", "example.com/graceful", "example.com/sigint", "example.com/poller", "example.com/errpath", "example.com/owner")
}

// golangci-lint with kleak's analyzer compiled in, as `golangci-lint custom` builds it from .custom-gcl.yml (a
// module plugin is a blank import in golangci-lint's main package). The tests run it on the Go-module fixtures:
// the proof that the plugin loads and runs in golangci-lint itself, not only through its registration.
package main

import (
	"fmt"
	"os"

	"github.com/golangci/golangci-lint/v2/pkg/commands"
	"github.com/golangci/golangci-lint/v2/pkg/exitcodes"

	_ "github.com/kleak-dev/kleak/analyzers/go/plugin"
)

func main() {
	info := commands.BuildInfo{Version: "2.15.0 with kleak", Commit: "?", GoVersion: "?", Date: "?"}
	if err := commands.Execute(info); err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "The command is terminated due to an error: %v\n", err)
		os.Exit(exitcodes.Failure)
	}
}

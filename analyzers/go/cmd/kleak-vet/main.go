// Command kleak-vet runs kleak's Kafka-client leak analyzer: on its own (kleak-vet ./...) or under go vet
// (go vet -vettool=$(which kleak-vet) ./...).
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/kleak-dev/kleak/analyzers/go/kleakanalysis"
)

func main() { singlechecker.Main(kleakanalysis.Analyzer) }

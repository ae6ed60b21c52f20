package kleakanalysis

// ctor is a Kafka constructor of a Go library: what it builds, and for Sarama's New…FromClient whether
// closing what it returns closes the client it wraps (only the cluster admin's does).
type ctor struct {
	Library string
	Kind    string
	// FromClient: "keeps-open" (Close on the wrapper leaves the client open) or "closes"
	FromClient string
}

var sarama = map[string]ctor{
	"NewClient":                  {"sarama", "client", ""},
	"NewSyncProducer":            {"sarama", "producer", ""},
	"NewAsyncProducer":           {"sarama", "producer", ""},
	"NewConsumer":                {"sarama", "consumer", ""},
	"NewConsumerGroup":           {"sarama", "consumer", ""},
	"NewClusterAdmin":            {"sarama", "admin", ""},
	"NewSyncProducerFromClient":  {"sarama", "producer", "keeps-open"},
	"NewAsyncProducerFromClient": {"sarama", "producer", "keeps-open"},
	"NewConsumerFromClient":      {"sarama", "consumer", "keeps-open"},
	"NewConsumerGroupFromClient": {"sarama", "consumer", "keeps-open"},
	"NewOffsetManagerFromClient": {"sarama", "consumer", "keeps-open"},
	"NewClusterAdminFromClient":  {"sarama", "admin", "closes"},
}

var confluent = map[string]ctor{
	"NewProducer":    {"confluent-kafka-go", "producer", ""},
	"NewConsumer":    {"confluent-kafka-go", "consumer", ""},
	"NewAdminClient": {"confluent-kafka-go", "admin", ""},
}

// constructors by import path (the same table as kleak's tree-sitter scan, src/collectors/source/go/constructors.ts)
var constructors = map[string]map[string]ctor{
	"github.com/IBM/sarama":                               sarama,
	"github.com/Shopify/sarama":                           sarama,
	"github.com/twmb/franz-go/pkg/kgo":                    {"NewClient": {"franz-go", "client", ""}},
	"github.com/confluentinc/confluent-kafka-go/kafka":    confluent,
	"github.com/confluentinc/confluent-kafka-go/v2/kafka": confluent,
	"github.com/segmentio/kafka-go": {
		"NewWriter":     {"kafka-go", "producer", ""},
		"NewReader":     {"kafka-go", "consumer", ""},
		"Dial":          {"kafka-go", "connection", ""},
		"DialContext":   {"kafka-go", "connection", ""},
		"DialLeader":    {"kafka-go", "connection", ""},
		"DialPartition": {"kafka-go", "connection", ""},
	},
}

// literal constructors: &kafka.Writer{…}
var literalCtors = map[string]map[string]ctor{
	"github.com/segmentio/kafka-go": {"Writer": {"kafka-go", "producer", ""}},
}

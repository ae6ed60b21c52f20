// Package sarama is a stub of github.com/IBM/sarama: the constructors and types the analyzer looks at.
package sarama

type Config struct{}

type ProducerMessage struct{ Topic string }

type ConsumerMessage struct{ Value []byte }

type Client interface{ Close() error }

type SyncProducer interface {
	SendMessage(*ProducerMessage) (int32, int64, error)
	Close() error
}

type Consumer interface{ Close() error }

type ConsumerGroupSession interface {
	MarkMessage(*ConsumerMessage, string)
}

type ConsumerGroupClaim interface {
	Messages() <-chan *ConsumerMessage
}

func NewClient(addrs []string, c *Config) (Client, error)             { return nil, nil }
func NewSyncProducer(addrs []string, c *Config) (SyncProducer, error) { return nil, nil }
func NewSyncProducerFromClient(c Client) (SyncProducer, error)        { return nil, nil }
func NewConsumerFromClient(c Client) (Consumer, error)                { return nil, nil }

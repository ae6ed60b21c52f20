// Package sarama is a stub of github.com/IBM/sarama: the constructors and types the analyzer looks at.
package sarama

type Config struct{}

type ProducerMessage struct{ Topic string }

type ConsumerMessage struct{ Value []byte }

type Broker struct{}

type Client interface {
	Controller() (*Broker, error)
	Close() error
}

type ClusterAdmin interface{ Close() error }

type ConsumerGroupHandler interface{}

type ConsumerGroup interface {
	Consume(ctx interface{}, topics []string, handler ConsumerGroupHandler) error
	Close() error
}

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
func NewConsumer(addrs []string, c *Config) (Consumer, error)         { return nil, nil }
func NewConsumerGroup(addrs []string, group string, c *Config) (ConsumerGroup, error) {
	return nil, nil
}
func NewClusterAdmin(addrs []string, c *Config) (ClusterAdmin, error) { return nil, nil }
func NewClusterAdminFromClient(c Client) (ClusterAdmin, error)        { return nil, nil }

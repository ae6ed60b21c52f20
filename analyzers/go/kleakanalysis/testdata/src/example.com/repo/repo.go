// Package repo builds the producers: factories the callers own.
package repo

import "github.com/IBM/sarama"

var brokers = []string{"kafka:9092"}

// newProducer builds a producer and hands it to its caller
func newProducer() sarama.SyncProducer { // want newProducer:"returns producer sarama\\.NewSyncProducer from repo\\.newProducer"
	p, err := sarama.NewSyncProducer(brokers, nil)
	if err != nil {
		return nil
	}
	return p
}

// NewProducer: one level more
func NewProducer() sarama.SyncProducer { return newProducer() } // want NewProducer:"returns producer sarama\\.NewSyncProducer from repo\\.NewProducer → repo\\.newProducer"

// NewClient hands a client to its caller
func NewClient() (sarama.Client, error) { return sarama.NewClient(brokers, nil) } // want NewClient:"returns client sarama\\.NewClient from repo\\.NewClient"

// Factory builds producers behind an interface
type Factory interface{ Producer() sarama.SyncProducer } // want Producer:"returns producer sarama\\.NewSyncProducer from repo\\.kafkaFactory\\.Producer"

type kafkaFactory struct{}

func (kafkaFactory) Producer() sarama.SyncProducer { return newProducer() } // want Producer:"returns producer sarama\\.NewSyncProducer from repo\\.kafkaFactory\\.Producer → repo\\.newProducer"

func NewFactory() Factory { return kafkaFactory{} }

// ClientProducer returns a producer built FromClient; the client is dropped, and the producer's Close does not close it
func ClientProducer() (sarama.SyncProducer, error) { // want ClientProducer:"returns producer sarama\\.NewSyncProducerFromClient from repo\\.ClientProducer"
	c, err := sarama.NewClient(brokers, nil) // want "client-not-closed"
	if err != nil {
		return nil, err
	}
	return sarama.NewSyncProducerFromClient(c)
}

// OwnedClientProducer closes the client with the producer's owner: ok
type Owned struct {
	Client   sarama.Client
	Producer sarama.SyncProducer
}

func OwnedClientProducer() (*Owned, error) { // want OwnedClientProducer:"returns client sarama\\.NewClient from repo\\.OwnedClientProducer"
	c, err := sarama.NewClient(brokers, nil) // ok: kept in the struct it returns
	if err != nil {
		return nil, err
	}
	p, err := sarama.NewSyncProducerFromClient(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &Owned{Client: c, Producer: p}, nil
}

// CloseProducer closes its parameter
func CloseProducer(p sarama.SyncProducer) { _ = p.Close() } // want CloseProducer:"closes params \\[0\\]"

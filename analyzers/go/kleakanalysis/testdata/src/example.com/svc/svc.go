// Package svc uses the repository's producers.
package svc

import (
	"sync"

	"example.com/repo"
	"github.com/IBM/sarama"
)

// Publish sends one message with a producer of its own, closed on every path: one producer per call
func Publish(topic string) error { // want Publish:"builds producer sarama\\.NewSyncProducer \\(closed\\) via svc\\.Publish → repo\\.NewProducer → repo\\.newProducer"
	p := repo.NewProducer()
	defer p.Close()
	_, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic})
	return err
}

// Producer hands the repository's producer on
func Producer() sarama.SyncProducer { return repo.NewProducer() } // want Producer:"returns producer sarama\\.NewSyncProducer from svc\\.Producer → repo\\.NewProducer → repo\\.newProducer"

// Service keeps one producer, built at start-up
type Service struct {
	p sarama.SyncProducer
	f repo.Factory
}

func New() *Service { return &Service{p: repo.NewProducer(), f: repo.NewFactory()} } // ok: kept in the service // want New:"returns producer sarama\\.NewSyncProducer from svc\\.New → repo\\.NewProducer"

// Ping drops the factory's producer
func Ping() { // want Ping:"builds producer sarama\\.NewSyncProducer \\(leaks\\) via svc\\.Ping → repo\\.NewProducer → repo\\.newProducer"
	p := repo.NewProducer() // want "client-not-closed"
	p.SendMessage(&sarama.ProducerMessage{Topic: "ping"})
}

// Pong closes it through a helper: ok
func Pong() { // want Pong:"builds producer sarama\\.NewSyncProducer \\(closed\\) via svc\\.Pong → repo\\.NewProducer → repo\\.newProducer"
	p := repo.NewProducer() // ok: closed by repo.CloseProducer
	defer repo.CloseProducer(p)
	p.SendMessage(&sarama.ProducerMessage{Topic: "pong"})
}

// Consume wraps the repository's client and drops it: closing the consumer frees nothing of the client
func Consume() error { // want Consume:"builds client sarama\\.NewClient \\(wrapped\\) via svc\\.Consume → repo\\.NewClient"
	c, err := repo.NewClient() // want "client-not-closed"
	if err != nil {
		return err
	}
	cons, err := sarama.NewConsumerFromClient(c)
	if err != nil {
		return err
	}
	return cons.Close()
}

var (
	mu     sync.Mutex
	shared sarama.SyncProducer
)

// Shared is a lazy singleton through a local copy: ok
func Shared() sarama.SyncProducer { // want Shared:"keeps producer sarama\\.NewSyncProducer via svc\\.Shared → repo\\.NewProducer"
	mu.Lock()
	defer mu.Unlock()
	p := shared
	if p == nil {
		p = repo.NewProducer() // ok: kept in shared
		shared = p
	}
	return p
}

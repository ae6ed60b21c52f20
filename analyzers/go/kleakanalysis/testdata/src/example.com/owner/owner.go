// Package owner: clients kept in a struct field that the owner's Close or Stop forgets.
package owner

import (
	"context"
	"io"

	"github.com/IBM/sarama"
)

type Subscription struct {
	cancel context.CancelFunc
	group  sarama.ConsumerGroup
}

func (s *Subscription) Stop() error {
	s.cancel()
	return s.group.Close()
}

type handler struct{ producer sarama.SyncProducer }

func newHandler(p sarama.SyncProducer) *handler { return &handler{producer: p} }

// Subscribe hands its producer to the handler; Subscription.Stop closes only the group.
func Subscribe(ctx context.Context, brokers []string) (*Subscription, error) { // want Subscribe:"returns consumer sarama\\.NewConsumerGroup from owner\\.Subscribe"
	group, err := sarama.NewConsumerGroup(brokers, "g", nil)
	if err != nil {
		return nil, err
	}
	producer, err := sarama.NewSyncProducer(brokers, nil) // want "client-not-closed: sarama.NewSyncProducer in owner.Subscribe builds a producer and keeps it in handler.producer \\(through newHandler\\), which owner.Subscribe's result Subscription does not hold: Subscription.Stop \\(owner.go:16\\) closes s.group, never this producer"
	if err != nil {
		group.Close()
		return nil, err
	}
	h := newHandler(producer)
	ctx, cancel := context.WithCancel(ctx)
	go group.Consume(ctx, nil, h)
	return &Subscription{cancel: cancel, group: group}, nil
}

type Service struct {
	producer sarama.SyncProducer
	consumer sarama.Consumer
}

func NewService(brokers []string) (*Service, error) { // want NewService:"returns consumer sarama.NewConsumer"
	c, err := sarama.NewConsumer(brokers, nil)
	if err != nil {
		return nil, err
	}
	p, err := sarama.NewSyncProducer(brokers, nil) // want "client-not-closed: .* keeps it in Service.producer, which Service.Close \\(owner.go:60\\) never closes: it closes s.consumer only"
	if err != nil {
		c.Close()
		return nil, err
	}
	return &Service{producer: p, consumer: c}, nil
}

func (s *Service) Close() error { return s.consumer.Close() }

type Relay struct {
	producer sarama.SyncProducer
	consumer sarama.Consumer
}

func NewRelay(brokers []string) (*Relay, error) { // want NewRelay:"returns consumer sarama.NewConsumer"
	c, err := sarama.NewConsumer(brokers, nil)
	if err != nil {
		return nil, err
	}
	r := &Relay{consumer: c}
	r.producer, err = sarama.NewSyncProducer(brokers, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	return r, nil
}

func closeQuietly(c io.Closer) { _ = c.Close() } // want closeQuietly:"closes params \\[0\\]"

func (r *Relay) Close() error {
	closeQuietly(r.producer)
	return r.consumer.Close()
}

type Pipe struct{ producer sarama.SyncProducer }

func NewPipe(brokers []string) (*Pipe, error) { // want NewPipe:"returns producer sarama\\.NewSyncProducer from owner\\.NewPipe"
	p, err := sarama.NewSyncProducer(brokers, nil)
	if err != nil {
		return nil, err
	}
	return &Pipe{producer: p}, nil
}

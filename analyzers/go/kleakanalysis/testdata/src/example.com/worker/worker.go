// Package worker consumes with kafka-go and hands each message to svc.
package worker

import (
	"context"

	"example.com/repo"
	"example.com/svc"
	"github.com/segmentio/kafka-go"
)

// a message loop that publishes each message through svc.Publish, which builds a producer per call
func Run(ctx context.Context, r *kafka.Reader) error { // want Run:"builds producer sarama\\.NewSyncProducer \\(closed\\) via worker\\.Run → svc\\.Publish"
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			return err
		}
		if err := svc.Publish(string(m.Value)); err != nil { // want "client-per-request: .* per-message code worker.Run \\(loop around r.ReadMessage\\(\\)"
			return err
		}
	}
}

// built once before the loop: ok
func Relay(ctx context.Context, r *kafka.Reader) error { // want Relay:"builds producer sarama\\.NewSyncProducer \\(closed\\) via worker\\.Relay"
	p := repo.NewProducer() // ok: once, before the loop
	defer p.Close()
	for {
		if _, err := r.ReadMessage(ctx); err != nil {
			return err
		}
		p.SendMessage(nil)
	}
}

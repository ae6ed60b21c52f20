// Package kafka is a stub of github.com/segmentio/kafka-go: a Reader that reads messages.
package kafka

import "context"

type Message struct{ Value []byte }

type Reader struct{}

func (r *Reader) ReadMessage(ctx context.Context) (Message, error) { return Message{}, nil }

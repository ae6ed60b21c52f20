// Package api holds the HTTP handlers and the consumer callbacks.
package api

import (
	"net/http"
	"sync"

	"example.com/repo"
	"example.com/svc"
	"github.com/IBM/sarama"
)

// three calls deep into another two packages: Orders → svc.Publish → repo.NewProducer → repo.newProducer
func Orders(w http.ResponseWriter, r *http.Request) { // want Orders:"builds producer sarama\\.NewSyncProducer \\(closed\\) via api\\.Orders → svc\\.Publish → repo\\.NewProducer → repo\\.newProducer"
	_ = svc.Publish("orders") // want "client-per-request"
}

// gets a producer through two packages and never closes it
func Events(w http.ResponseWriter, r *http.Request) { // want Events:"builds producer sarama\\.NewSyncProducer \\(leaks\\) via api\\.Events → svc\\.Producer → repo\\.NewProducer → repo\\.newProducer"
	p := svc.Producer() // want "client-per-request"
	p.SendMessage(&sarama.ProducerMessage{Topic: "events"})
}

type Handler struct {
	F repo.Factory
	P sarama.SyncProducer
}

// behind an interface method
func (h *Handler) Audit(w http.ResponseWriter, r *http.Request) { // want Audit:"builds producer sarama\\.NewSyncProducer \\(closed\\) via api\\.\\(\\*Handler\\)\\.Audit → repo\\.kafkaFactory\\.Producer → repo\\.newProducer"
	p := h.F.Producer() // want "client-per-request"
	defer p.Close()
	p.SendMessage(&sarama.ProducerMessage{Topic: "audit"})
}

// the producer kept in the handler, built at start-up: ok
func (h *Handler) Send(w http.ResponseWriter, r *http.Request) {
	h.P.SendMessage(&sarama.ProducerMessage{Topic: "send"}) // ok
}

// the lazy singleton: ok
func Cached(w http.ResponseWriter, r *http.Request) { // want Cached:"keeps producer sarama\\.NewSyncProducer via api\\.Cached → svc\\.Shared"
	svc.Shared().SendMessage(&sarama.ProducerMessage{Topic: "cached"}) // ok
}

// a function literal registered as a handler, closed on every path (still per request: a warning)
func Routes(mux *http.ServeMux) {
	mux.HandleFunc("/topics", func(w http.ResponseWriter, r *http.Request) {
		c, err := repo.NewClient() // want "client-per-request"
		if err != nil {
			return
		}
		c.Close()
	})
}

type consumer struct{}

// per message
func (consumer) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error { // want ConsumeClaim:"builds producer sarama\\.NewSyncProducer \\(leaks\\) via api\\.consumer\\.ConsumeClaim → repo\\.NewProducer → repo\\.newProducer"
	for msg := range claim.Messages() {
		p := repo.NewProducer() // want "client-per-request"
		p.SendMessage(&sarama.ProducerMessage{Topic: "out"})
		sess.MarkMessage(msg, "")
	}
	return nil
}

var (
	once sync.Once
	lazy sarama.SyncProducer
)

// built once under sync.Once, in a closure the handler runs: ok
func Once(w http.ResponseWriter, r *http.Request) {
	once.Do(func() {
		lazy = repo.NewProducer() // ok: kept in lazy
	})
	lazy.SendMessage(&sarama.ProducerMessage{Topic: "once"})
}

// closed on one path only: the early return leaks it
func Early(w http.ResponseWriter, r *http.Request) { // want Early:"builds producer sarama\\.NewSyncProducer \\(leaks\\) via api\\.Early"
	p := repo.NewProducer() // want "client-per-request: .* does not close it"
	if r.URL.Query().Get("skip") != "" {
		return
	}
	p.Close()
}

// handed to a goroutine that owns it: ok for this analyzer (not dropped, not closed here)
func Background() { // want Background:"builds producer sarama\\.NewSyncProducer \\(closed\\) via api\\.Background"
	p := repo.NewProducer() // ok: handed to run
	go run(p)
}

func run(p sarama.SyncProducer) { // want run:"closes params \\[0\\]"
	defer p.Close()
	p.SendMessage(&sarama.ProducerMessage{Topic: "bg"})
}

// a service built per request around a fresh producer, and dropped
func Wrap(w http.ResponseWriter, r *http.Request) { // want Wrap:"builds producer sarama\\.NewSyncProducer \\(leaks\\) via api\\.Wrap"
	s := svc.New() // want "client-per-request: .* does not close it"
	_ = s
}

// Command app builds its producer once, in main, and closes it on every path.
package main

import (
	"net/http"

	"example.com/api"
	"example.com/repo"
	"example.com/svc"
)

func main() { // want main:"builds producer sarama\\.NewSyncProducer \\(discarded\\) via main\\.main → svc\\.New"
	p := repo.NewProducer() // want `no-graceful-shutdown: .* main\.main gets it from repo\.NewProducer .*serves with http\.ListenAndServe and has no signal\.Notify`
	defer p.Close()
	_ = svc.New() // ok
	h := &api.Handler{P: p, F: repo.NewFactory()}
	http.HandleFunc("/", h.Send)
	_ = http.ListenAndServe(":8080", nil)
}

// in package main a factory's client that is never closed is no-graceful-shutdown's business, not this analyzer's
func start() { // want start:"builds producer sarama\\.NewSyncProducer \\(leaks\\) via main\\.start"
	p := repo.NewProducer() // ok
	p.SendMessage(nil)
}

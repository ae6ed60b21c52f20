// Command graceful gets its producer from a factory and stops on SIGTERM: main returns and closes it.
package main

import (
	"context"
	"net/http"
	"os/signal"
	"syscall"

	"example.com/repo"
)

func main() { // want main:"blocks: serves with srv\\.ListenAndServe"
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	p := repo.NewProducer() // ok: SIGTERM ends main, which closes it
	defer p.Close()
	srv := &http.Server{Addr: ":8080"}
	go func() { <-ctx.Done(); _ = srv.Shutdown(context.Background()) }()
	_ = srv.ListenAndServe()
}

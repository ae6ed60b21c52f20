// Package errpath: clients left open by a return after their construction succeeded.
package errpath

import (
	"errors"

	"github.com/IBM/sarama"
)

type Consumer struct{ client sarama.Client }

// NewConsumer returns without closing the client when the controller lookup fails.
func NewConsumer(brokers []string) (*Consumer, error) { // want NewConsumer:"returns client sarama\\.NewClient from errpath\\.NewConsumer"
	c, err := sarama.NewClient(brokers, nil) // want "client-not-closed: sarama.NewClient in errpath.NewConsumer: errpath.NewConsumer returns at line 19 when c.Controller fails, without closing it"
	if err != nil {
		return nil, err
	}
	if _, err := c.Controller(); err != nil {
		return nil, err
	}
	return &Consumer{client: c}, nil
}

// NewClosingConsumer closes it there.
func NewClosingConsumer(brokers []string) (*Consumer, error) { // want NewClosingConsumer:"returns client sarama\\.NewClient from errpath\\.NewClosingConsumer"
	c, err := sarama.NewClient(brokers, nil)
	if err != nil {
		return nil, err
	}
	if _, err = c.Controller(); err != nil {
		c.Close()
		return nil, err
	}
	return &Consumer{client: c}, nil
}

// NewReusedErr checks the later step with the construction's own err variable: still a leak.
func NewReusedErr(brokers []string) (*Consumer, error) { // want NewReusedErr:"returns client sarama\\.NewClient from errpath\\.NewReusedErr"
	c, err := sarama.NewClient(brokers, nil) // want "client-not-closed: .* returns at line 45 when c.Controller fails"
	if err != nil {
		return nil, err
	}
	_, err = c.Controller()
	if err != nil {
		return nil, err
	}
	return &Consumer{client: c}, nil
}

// NewNilChecked: a nil check right after the construction, a defer that closes on error.
func NewNilChecked(brokers []string) (cons *Consumer, err error) { // want NewNilChecked:"returns client sarama\\.NewClient from errpath\\.NewNilChecked"
	c, err := sarama.NewClient(brokers, nil)
	if c == nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if len(brokers) == 0 {
		return nil, errors.New("no brokers")
	}
	return &Consumer{client: c}, nil
}

// Fatal: the failure ends the process.
func Fatal(brokers []string) *Consumer { // want Fatal:"returns client sarama\\.NewClient from errpath\\.Fatal"
	c, err := sarama.NewClient(brokers, nil)
	if err != nil {
		panic(err)
	}
	if _, err := c.Controller(); err != nil {
		panic(err)
	}
	return &Consumer{client: c}
}

// makeClient returns what the constructor it is handed builds.
func makeClient(brokers []string, newClient func([]string, *sarama.Config) (sarama.Client, error)) (sarama.Client, error) { // want makeClient:"returns what params \\[1\\] build"
	c, err := newClient(brokers, nil)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Admin: NewClusterAdminFromClient takes the client over only when it succeeds.
func Admin(brokers []string) (sarama.ClusterAdmin, error) { // want Admin:"returns admin sarama\\.NewClusterAdminFromClient from errpath\\.Admin"
	c, err := makeClient(brokers, sarama.NewClient) // want "client-not-closed: makeClient in errpath.Admin .*returns at line 94 when sarama.NewClusterAdminFromClient fails"
	if err != nil {
		return nil, err
	}
	return sarama.NewClusterAdminFromClient(c)
}

// ClosingAdmin closes it when that fails.
func ClosingAdmin(brokers []string) (sarama.ClusterAdmin, error) { // want ClosingAdmin:"returns admin sarama\\.NewClusterAdminFromClient from errpath\\.ClosingAdmin"
	c, err := makeClient(brokers, sarama.NewClient)
	if err != nil {
		return nil, err
	}
	a, err := sarama.NewClusterAdminFromClient(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return a, nil
}

// GetClient hands the client on: a factory.
func GetClient(brokers []string) (sarama.Client, error) { // want GetClient:"returns client sarama.NewClient from errpath.GetClient → errpath.makeClient"
	return makeClient(brokers, sarama.NewClient)
}

package deliver

import (
	"context"
	"fmt"
)

// Publisher publishes bytes on a subject; the alerter adapts its NATS
// connection to it (core NATS or JetStream publish).
type Publisher interface {
	Publish(ctx context.Context, subject string, data []byte) error
}

// natsChannel publishes the webhook payload on <subject_prefix>.<brand>.
type natsChannel struct {
	cfg ChannelConfig
	pub Publisher
}

// NewNATS builds a channel publishing to alerts.<brand token>.
func NewNATS(cfg ChannelConfig, pub Publisher) Channel { return &natsChannel{cfg: cfg, pub: pub} }

func (c *natsChannel) Name() string { return c.cfg.Name }

// Subject returns the subject an event for brand goes to.
func (c *natsChannel) Subject(brand string) string {
	return c.cfg.SubjectPrefix + "." + subjectToken(brand)
}

func (c *natsChannel) Send(ctx context.Context, m Message) error {
	data, err := payload(m)
	if err != nil {
		return fmt.Errorf("channel %s: encode: %w: %w", c.cfg.Name, ErrPermanent, err)
	}
	if err := c.pub.Publish(ctx, c.Subject(m.Event.Incident.Brand), data); err != nil {
		return fmt.Errorf("channel %s: publish: %w", c.cfg.Name, err)
	}
	return nil
}

// Build makes the channels of a resolved, validated config, by name. pub
// may be nil when no nats channel is configured.
func Build(cfg Config, pub Publisher) (map[string]Channel, error) {
	out := map[string]Channel{}
	for _, cc := range cfg.Channels {
		switch cc.Type {
		case TypeWebhook:
			out[cc.Name] = NewWebhook(cc)
		case TypeSlack:
			out[cc.Name] = NewSlack(cc)
		case TypeTeams:
			out[cc.Name] = NewTeams(cc)
		case TypeEmail:
			ch, err := NewEmail(cc)
			if err != nil {
				return nil, err
			}
			out[cc.Name] = ch
		case TypeNATS:
			if pub == nil {
				return nil, fmt.Errorf("%w: channels.%s: type nats needs a publisher", ErrConfig, cc.Name)
			}
			out[cc.Name] = NewNATS(cc, pub)
		default:
			return nil, fmt.Errorf("%w: channels.%s.type: unknown %q", ErrConfig, cc.Name, cc.Type)
		}
	}
	return out, nil
}

package alert

import "time"

// Delivery is the state of one event on one channel (filled by
// pkg/alert/deliver as attempts happen).
type Delivery struct {
	Channel     string    `json:"channel" ch:"channel"`
	Status      string    `json:"status" ch:"status"` // pending, retrying, delivered, failed
	Attempts    int       `json:"attempts" ch:"attempts"`
	LastError   string    `json:"last_error,omitempty" ch:"last_error"` // redacted: never holds secrets
	DeliveredAt time.Time `json:"delivered_at,omitzero" ch:"delivered_at"`
}

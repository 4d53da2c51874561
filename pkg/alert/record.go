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

// Record is one row of veille.alerts: the incident as of one event. The
// table is meant as a ReplacingMergeTree ordered by incident_id with seq as
// the version, so the latest event of an incident wins. Zero times (not
// resolved, not delivered) are stored as 1970-01-01.
type Record struct {
	IncidentID    string    `ch:"incident_id"`
	Seq           uint32    `ch:"seq"`
	Event         string    `ch:"event"` // opened, updated, escalated, resolved
	Brand         string    `ch:"brand"`
	Rule          string    `ch:"rule"`
	Severity      uint8     `ch:"severity"`
	OpenedAt      time.Time `ch:"opened_at"`
	UpdatedAt     time.Time `ch:"updated_at"`
	ResolvedAt    time.Time `ch:"resolved_at"`
	WindowSeconds uint32    `ch:"window_seconds"`
	Total         uint32    `ch:"total"`
	Neg           uint32    `ch:"neg"`
	Pos           uint32    `ch:"pos"`
	Neu           uint32    `ch:"neu"`
	Influencer    uint32    `ch:"influencer"`
	Toxic         uint32    `ch:"toxic"`
	TopMentionIDs []string  `ch:"top_mention_ids"`
	Detail        string    `ch:"detail"`
	Link          string    `ch:"link"`
	// Deliveries as parallel arrays (a Nested column deliveries.*).
	DeliveryChannel   []string    `ch:"deliveries.channel"`
	DeliveryStatus    []string    `ch:"deliveries.status"`
	DeliveryAttempts  []uint32    `ch:"deliveries.attempts"`
	DeliveryLastError []string    `ch:"deliveries.last_error"`
	DeliveredAt       []time.Time `ch:"deliveries.delivered_at"`
}

func u32(n int) uint32 {
	if n < 0 {
		return 0
	}
	return uint32(n)
}

// RecordOf builds the storage row of an event with the deliveries known so far.
func RecordOf(ev Event, deliveries []Delivery) Record {
	inc := ev.Incident
	r := Record{
		IncidentID:    inc.ID,
		Seq:           u32(inc.Seq),
		Event:         string(ev.Kind),
		Brand:         inc.Brand,
		Rule:          inc.Cause,
		Severity:      uint8(max(1, min(10, inc.Severity))),
		OpenedAt:      inc.OpenedAt.UTC(),
		UpdatedAt:     inc.UpdatedAt.UTC(),
		ResolvedAt:    inc.ResolvedAt.UTC(),
		WindowSeconds: u32(int(inc.Window.Duration / time.Second)),
		Total:         u32(inc.Counts.Total),
		Neg:           u32(inc.Counts.Neg),
		Pos:           u32(inc.Counts.Pos),
		Neu:           u32(inc.Counts.Neu),
		Influencer:    u32(inc.Counts.Influencer),
		Toxic:         u32(inc.Counts.Toxic),
		TopMentionIDs: make([]string, 0, len(inc.Top)),
		Detail:        inc.Detail,
		Link:          inc.Link,
	}
	if inc.ResolvedAt.IsZero() {
		r.ResolvedAt = time.Unix(0, 0).UTC()
	}
	for _, t := range inc.Top {
		r.TopMentionIDs = append(r.TopMentionIDs, t.ID)
	}
	for _, d := range deliveries {
		r.DeliveryChannel = append(r.DeliveryChannel, d.Channel)
		r.DeliveryStatus = append(r.DeliveryStatus, d.Status)
		r.DeliveryAttempts = append(r.DeliveryAttempts, u32(d.Attempts))
		r.DeliveryLastError = append(r.DeliveryLastError, d.LastError)
		at := d.DeliveredAt.UTC()
		if d.DeliveredAt.IsZero() {
			at = time.Unix(0, 0).UTC()
		}
		r.DeliveredAt = append(r.DeliveredAt, at)
	}
	return r
}

package flows

import "sync"

// deniedCalls are the resthook posts of flows that the deny list refused, by their Idempotency-Key: goflow keeps
// only that such a call couldn't connect (connection_error), and a delivery the list refused is failed at once,
// with the reason, rather than retried (the list won't change its mind, as the retries' own path says).
type deniedCalls struct{ reasons sync.Map } // Idempotency-Key → the denial's error

func (d *deniedCalls) note(key, reason string) {
	if d != nil {
		d.reasons.Store(key, reason)
	}
}

// take is the reason a keyed call was refused, forgotten once told.
func (d *deniedCalls) take(key string) (string, bool) {
	if d == nil || key == "" {
		return "", false
	}
	reason, ok := d.reasons.LoadAndDelete(key)
	if !ok {
		return "", false
	}
	return reason.(string), true
}

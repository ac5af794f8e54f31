package gateway_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/flowsd/flowsd/testdb"
)

// benchSize is how many contacts a broadcast benchmark sends to (FLOWSD_BENCH_BROADCAST, default 10,000).
func benchSize() int {
	if v, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_BROADCAST")); err == nil && v > 0 {
		return v
	}
	return 10000
}

// benchBroadcastBatch is the broadcast workers' batch (FLOWSD_BENCH_BROADCAST_BATCH, default serve's for the
// database).
func benchBroadcastBatch(d models.Dialect) int {
	if v, err := strconv.Atoi(os.Getenv("FLOWSD_BENCH_BROADCAST_BATCH")); err == nil && v > 0 {
		return v
	}
	return flows.BroadcastBatch(d)
}

// BenchmarkWACTemplateBroadcast sends a template broadcast to a group of 10,000 existing WhatsApp contacts
// (FLOWSD_BENCH_BROADCAST) of the Weni workspace against the fake Graph server: one POST whatsapp_broadcasts.json
// naming the template by UUID with a per-contact variable (@contact.first_name), then, side by side as serve's
// defaults run them, 2 broadcast workers making the messages in batches of serve's size (flows.BroadcastBatch: 500 on PostgreSQL, 100 on SQLite) through the one outgoing path
// (each contact's translation and templating: created-msgs/s) and 2 WAC senders (leases of 500, 64 sends at a
// time) posting the template payloads until Graph has them all. It reports messages per second from the POST to
// Graph's last request (msgs/s), the same payloads posted to the same fake server by a plain Go client from 8
// goroutines (plain-msgs/s), and the ratio (x-plain, the target is 2 or less).
func BenchmarkWACTemplateBroadcast(b *testing.B) {
	n := benchSize()
	testdb.EachB(b, func(b *testing.B, d models.Dialect) {
		for range b.N {
			b.StopTimer()
			// serve's defaults: 2 senders of 64 sends at a time, and an HTTP client keeping as many connections
			w := newWeniEnv(b, d, map[string]any{"session_window": false, "tps": 1000000}, func(c *runtime.Config) {
				c.SendWorkers, c.SendConcurrency = 2, 64
			})
			group := w.seedGroup("Clientes", n)
			b.StartTimer()
			began := time.Now()
			status, body := w.postBroadcast(fmt.Sprintf(`{"groups":["%s"],"msg":{"template":{"uuid":"%s","variables":["@contact.first_name"]}}}`,
				group.UUID, w.templates["lembrete"]))
			if status != http.StatusCreated {
				b.Fatalf("POST: %d %s", status, body)
			}
			made := w.runAsServe(began, 2, 2, benchBroadcastBatch(d))
			elapsed := time.Since(began)
			b.StopTimer()
			sends := w.graph.Sends()
			if len(sends) != n || !strings.Contains(sends[0], `"type":"template"`) {
				b.Fatalf("Graph got %d messages, want %d templates", len(sends), n)
			}

			testdb.ReportSendFloor(b, w.db.Raw, reportAgainstPlainGraph(b, w.graph, weniPhone, sends, made, elapsed))
		}
	})
}

// runAsServe works the broadcasts and sends their messages as flowsd serve's defaults do, side by side:
// broadcast workers (--broadcast-workers) making batches of batch recipients, and senders (--send-workers, leases of 500, 64
// sends at a time) sending what is queued, until everything is sent. It answers how long after began the last
// message was made.
func (w *weniEnv) runAsServe(began time.Time, broadcastWorkers, senders, batch int) time.Duration {
	var made atomic.Int64
	var making, sending sync.WaitGroup
	for range broadcastWorkers {
		making.Add(1)
		go func() {
			defer making.Done()
			bw := &flows.Broadcasts{Host: w.host, BatchSize: batch}
			for {
				worked, err := bw.WorkOnce(w.ctx)
				if err != nil {
					w.t.Error(err)
					return
				}
				if !worked {
					return
				}
				made.Store(int64(time.Since(began)))
			}
		}()
	}
	done := make(chan struct{})
	go func() { making.Wait(); close(done) }()
	for range senders {
		sending.Add(1)
		go func() {
			defer sending.Done()
			s := w.sender()
			s.Batch, s.Concurrency = 500, w.cfg.SendConcurrency
			for finished := false; ; {
				worked, err := s.WorkOnce(w.ctx)
				if err != nil {
					w.t.Error(err)
					return
				}
				if !worked && finished {
					return
				}
				select {
				case <-done:
					finished = true
				default:
					if !worked {
						time.Sleep(time.Millisecond) // nothing queued yet: the next batch is being made
					}
				}
			}
		}()
	}
	sending.Wait()
	return time.Duration(made.Load())
}

// seedGroup makes a group of n Weni contacts on WhatsApp, written in bulk through the test database's handle
// (what is measured is the broadcast, not the contacts' making).
func (w *weniEnv) seedGroup(name string, n int) *models.Group {
	w.t.Helper()
	group, err := w.store.CreateGroup(w.ctx, w.weni.ID, name)
	w.must(err)
	now := w.store.Now()
	for from := 0; from < n; from += 1000 {
		var batch []*models.Contact
		for i := from; i < min(from+1000, n); i++ {
			cname := fmt.Sprintf("Contato %d", i)
			batch = append(batch, &models.Contact{UUID: runtime.RandomUUID(), WorkspaceID: w.weni.ID, Name: &cname,
				Status: models.ContactActive, IsActive: true, CreatedOn: now, ModifiedOn: now})
		}
		w.must(w.db.Raw.Create(batch).Error)
		urnRows := make([]*models.ContactURN, len(batch))
		members := make([]string, len(batch))
		for i, c := range batch {
			path := fmt.Sprintf("5511%09d", from+i)
			urnRows[i] = &models.ContactURN{WorkspaceID: w.weni.ID, ContactID: c.ID, Identity: "whatsapp:" + path, Scheme: "whatsapp", Path: path, Priority: 1000}
			members[i] = fmt.Sprintf("(%d, %d)", group.ID, c.ID)
		}
		w.must(w.db.Raw.Create(urnRows).Error)
		w.must(w.db.Raw.Exec("INSERT INTO contact_group_members (group_id, contact_id) VALUES " + strings.Join(members, ", ")).Error)
	}
	return group
}

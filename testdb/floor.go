package testdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"gorm.io/gorm"
)

// SendFloor times the least any sender keeping flowsd's promises (a message stored queued when it is made, leased
// before its send so that no other sender takes it and a killed one loses nothing, its outcome and channel log
// stored after) must write for copies of msgs, with nothing else running: no message made, no HTTP, no engine.
// Each chunk of 500 is inserted queued as the store inserts (models.InsertRows), leased in one UPDATE by id,
// and recorded wired (with its gateway's id when the original had one) and logged (a copy of the original's
// channel log) in one transaction. PostgreSQL works two halves side by side on two connections; SQLite, one
// writer at a time, one. It is the baseline that tells whether a speed target is within reach of the storage
// at all on the machine.
func SendFloor(ctx context.Context, db *gorm.DB, msgs []models.Msg, logs map[int64]models.ChannelLog) error {
	workers, chunk := 1, 500
	if db.Dialector.Name() == "postgres" {
		workers = 2
	}
	per := (len(msgs) + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		part := msgs[min(w*per, len(msgs)):min((w+1)*per, len(msgs))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for from := 0; from < len(part) && errs[w] == nil; from += chunk {
				errs[w] = floorChunk(ctx, db, part[from:min(from+chunk, len(part))], logs)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func floorChunk(ctx context.Context, db *gorm.DB, originals []models.Msg, logs map[int64]models.ChannelLog) error {
	db = db.WithContext(ctx)
	now := time.Now().UTC()
	copies := make([]*models.Msg, len(originals))
	for i, m := range originals {
		c := m
		c.ID, c.UUID, c.Status, c.ExternalID, c.ClaimedUntil, c.SentOn = 0, runtime.RandomUUID(), models.MsgQueued, nil, nil, nil
		c.CreatedOn, c.ModifiedOn = now, now
		copies[i] = &c
	}
	if err := models.InsertRows(db, copies); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	ids := make([]int64, len(copies))
	for i, c := range copies {
		ids[i] = c.ID
	}
	if err := db.Exec("UPDATE msgs SET claimed_until = ? WHERE id IN ?", now.Add(time.Minute), ids).Error; err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		var cases strings.Builder
		var args []any
		var copied []*models.ChannelLog
		for i, m := range originals {
			if m.ExternalID != nil {
				cases.WriteString(" WHEN ? THEN ?")
				args = append(args, ids[i], *m.ExternalID)
			}
			if l, ok := logs[m.ID]; ok {
				l.ID, l.UUID, l.MsgID, l.CreatedOn = 0, runtime.RandomUUID(), &ids[i], now
				copied = append(copied, &l)
			}
		}
		external := "NULL"
		if len(args) > 0 {
			external = "CASE id" + cases.String() + " END"
		}
		err := tx.Exec("UPDATE msgs SET status = ?, sent_on = ?, claimed_until = NULL, modified_on = ?, external_id = "+external+" WHERE id IN ?",
			append(append([]any{models.MsgWired, now, now}, args...), ids)...).Error
		if err != nil {
			return fmt.Errorf("outcome: %w", err)
		}
		if len(copied) > 0 {
			return models.InsertRows(tx, copied)
		}
		return nil
	})
}

// sentMessages reads what a benchmark's broadcasts sent, for SendFloor: their messages, and the messages' send
// logs by message id.
func sentMessages(ctx context.Context, db *gorm.DB) ([]models.Msg, map[int64]models.ChannelLog, error) {
	var msgs []models.Msg
	err := db.WithContext(ctx).Where("direction = ? AND broadcast_id IS NOT NULL", models.MsgOut).Order("id").Find(&msgs).Error
	if err != nil {
		return nil, nil, err
	}
	var logs []models.ChannelLog
	if err := db.WithContext(ctx).Where("msg_id IS NOT NULL").Find(&logs).Error; err != nil {
		return nil, nil, err
	}
	byMsg := make(map[int64]models.ChannelLog, len(logs))
	for _, l := range logs {
		byMsg[*l.MsgID] = l
	}
	return msgs, byMsg, nil
}

// BusyCPU is how much CPU time the whole machine has spent busy (every process: the database's too), from
// Linux's /proc/stat, and how many CPUs it has; ok is false where there is no /proc/stat. Benchmarks read it
// before and after a phase to know what the phase cost the machine, not only the test process.
func BusyCPU() (busy time.Duration, cpus int, ok bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	var ticks int64
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 5 || !strings.HasPrefix(fields[0], "cpu") {
			continue
		}
		if fields[0] != "cpu" {
			cpus++
			continue
		}
		// user nice system idle iowait irq softirq steal: idle, iowait and steal (the hypervisor's) are not ours
		for i, f := range fields[1:min(len(fields), 9)] {
			if i == 3 || i == 4 || i == 7 {
				continue
			}
			n, _ := strconv.ParseInt(f, 10, 64)
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / 100, cpus, cpus > 0 // USER_HZ is 100 on Linux
}

// Phase is a measured part of a benchmark: how long it took and the CPU it cost the whole machine.
type Phase struct{ Took, CPU time.Duration }

// Measure runs fn as a Phase.
func Measure(fn func()) Phase {
	cpu0, _, _ := BusyCPU()
	began := time.Now()
	fn()
	took := time.Since(began)
	cpu1, _, _ := BusyCPU()
	return Phase{Took: took, CPU: cpu1 - cpu0}
}

// ReportSendFloor reports the storage floor of what the benchmark's broadcasts sent on db (SendFloor:
// floor-msgs/s, and x-plain-floor, its time over the plain client's), and what follows for any sender that both
// posts what the plain client posted and stores what flowsd stores: at least the CPU of the two phases spread
// over every CPU, as a multiple of the plain client's time (x-plain-bound, where /proc/stat is). A bound above 2
// puts "within 2x of the plain client" out of reach on the machine, however little else the sender does.
func ReportSendFloor(b *testing.B, db *gorm.DB, plain Phase) {
	ctx := context.Background()
	msgs, logs, err := sentMessages(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	var floorErr error
	floor := Measure(func() { floorErr = SendFloor(ctx, db, msgs, logs) })
	if floorErr != nil {
		b.Fatal(floorErr)
	}
	b.ReportMetric(float64(len(msgs))/floor.Took.Seconds(), "floor-msgs/s")
	b.ReportMetric(floor.Took.Seconds()/plain.Took.Seconds(), "x-plain-floor")
	if _, cpus, ok := BusyCPU(); ok {
		bound := (plain.CPU + floor.CPU) / time.Duration(max(cpus, 1))
		b.ReportMetric(bound.Seconds()/plain.Took.Seconds(), "x-plain-bound")
	}
}

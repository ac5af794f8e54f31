package throttle

import (
	"context"
	"fmt"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis keeps buckets in Redis, shared by every process that uses the same server.
type Redis struct {
	client  *redis.Client
	limiter *redis_rate.Limiter
	prefix  string
}

// NewRedis connects to the Redis server at url (redis://host:port/db) and checks it answers. Bucket keys
// start with prefix, so that deployments sharing a server don't share limits.
func NewRedis(ctx context.Context, url, prefix string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("invalid Redis URL %q: %w", url, err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("connecting to Redis at %s: %w", opts.Addr, err)
	}
	return &Redis{client: client, limiter: redis_rate.NewLimiter(client), prefix: prefix}, nil
}

// Allow takes one request from the shared bucket if it has room.
func (r *Redis) Allow(ctx context.Context, key string, rate Rate) (Result, error) {
	if rate.N <= 0 || rate.Per <= 0 {
		return Result{RetryAfter: rate.Per, ResetAfter: rate.Per}, nil
	}
	res, err := r.limiter.Allow(ctx, r.prefix+key, redis_rate.Limit{Rate: rate.N, Period: rate.Per, Burst: rate.N})
	if err != nil {
		return Result{}, err
	}
	out := Result{Allowed: res.Allowed > 0, Limit: rate.N, Remaining: res.Remaining, ResetAfter: res.ResetAfter}
	if !out.Allowed {
		out.RetryAfter = res.RetryAfter
	}
	return out, nil
}

// Close closes the connection.
func (r *Redis) Close() error { return r.client.Close() }

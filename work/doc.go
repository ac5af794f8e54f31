// Package work is flowsd's one mechanism for background work, in the spirit of mailroom's Foreman and
// courier's sender. Every kind of background work (flow starts, wait timeouts, smart group evaluation, and
// later message senders, resthook retries, campaign fires and archives) is built from its parts: Signals
// wake a kind's workers in this process, a Group runs and stops goroutines together, a Worker loops over
// one kind of work, a Claimer hands rows of a table to one worker at a time (across processes on
// PostgreSQL, within one on SQLite), a Schedule says when a failed attempt is tried again, a Cron runs
// a job at an interval in one process at a time, and a Committer writes the outcomes of work done side by
// side together, each as soon as it is known.
//
// It imports nothing of flowsd's domain, no flowsd package at all: the standard library only. Work is
// described to it by SQL fragments and functions, so that the domain stays in the packages that use it.
package work

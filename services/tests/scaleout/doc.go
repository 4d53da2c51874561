// Package scaleout holds the scale-out tests: several copies of the
// enricher and the sink on one NATS sharing their durable consumers, crawler
// sharding by host, and the validation of the cluster deployment files
// (deploy/cluster: NATS cluster, ClickHouse cluster with Keeper; deploy/k8s).
// It has no code of its own.
package scaleout

// Package pkg holds veille's library, grouped by the path a mention takes:
// platform (mention, bus, config, obs, service), collection, nlp, enrich,
// alert, store; tooling (bench, loadgen, testenv, demo) is apart from the
// product. ARCHITECTURE.md at the repository root follows a mention through them.
package pkg

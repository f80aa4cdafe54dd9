/**
 * The fuzzed corpora's generator: reads well-formed seeds (status records as the pollers write them,
 * GTID sets as the servers print them) and writes seeded, reproducible malformed variants for the
 * property tests of the status reader and the GTID parsers, and for the pipeline's dead-letter test.
 */
package io.replsentinel.fuzz;

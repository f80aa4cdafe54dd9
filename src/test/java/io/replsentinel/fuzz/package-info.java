/**
 * Helpers for the fuzz tests: reads the committed Jazzer inputs of a fuzz test (under
 * src/test/resources, beside the test's package) and writes deterministic malformed variants of
 * well-formed status records for the pipeline's dead-letter test.
 */
package io.replsentinel.fuzz;

package io.replsentinel.event;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Why a poll could not observe an instance: a class users route on, the driver's error number
 * and its message (never a credential).
 *
 * @param errorClass {@code refused}, {@code timeout}, {@code auth}, {@code privileges} or {@code other}
 */
public record PollError(@JsonProperty("class") String errorClass, Integer errno, String message) {
}

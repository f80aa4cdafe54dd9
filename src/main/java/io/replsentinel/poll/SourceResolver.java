package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Resolves host names the way a replica would, so the rules engine can tell a source address that
 * has no DNS record (a pod name that no longer exists) from one that points at the wrong server.
 * The JVM caches answers (positive 30 s, negative 10 s by default).
 */
final class SourceResolver {

    private SourceResolver() {
    }

    static ChannelStatus resolve(ChannelStatus ch) {
        if (ch.sourceHost() == null) {
            return ch;
        }
        List<String> addresses = addresses(ch.sourceHost());
        return ch.with(ch.sqlDelaySeconds(), addresses, !addresses.isEmpty());
    }

    /** The host's addresses, empty when it does not resolve. */
    static List<String> addresses(String host) {
        try {
            return Arrays.stream(InetAddress.getAllByName(host)).map(InetAddress::getHostAddress).distinct().sorted().toList();
        } catch (UnknownHostException e) {
            return List.of();
        }
    }
}

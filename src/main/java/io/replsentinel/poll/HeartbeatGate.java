package io.replsentinel.poll;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.inventory.WatchedInstance;

import java.util.List;

/**
 * Says whether the heartbeat may write on an instance, given what its poll has just read: the
 * monitor must never write where the write would be an errant transaction.
 */
@FunctionalInterface
interface HeartbeatGate {

    boolean mayWrite(WatchedInstance instance, Boolean readOnly, List<ChannelStatus> channels);
}

package io.replsentinel.remediation;

import io.replsentinel.binlog.BinlogSettings;
import io.replsentinel.binlog.ServerIdRegistry;
import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicaHost;
import io.replsentinel.event.ReplicationStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * The server_id allocator of SET_SERVER_ID: the lowest id of {@code sentinel.remediation.server-id-min..max}
 * that no member of the topology reports (its own, its sources', the replicas its sources list), that
 * no status of the fleet this node polls has shown, that lies outside the binlog listeners' range,
 * and that no open SET_SERVER_ID command has taken already.
 */
@ApplicationScoped
public class ServerIdAllocation {

    private final ServerIdRegistry fleet;
    private final long listenersMin;
    private final long listenersMax;
    private final long min;
    private final long max;

    @Inject
    public ServerIdAllocation(ServerIdRegistry fleet, BinlogSettings binlog, RemediationConfig config) {
        this(fleet, binlog.serverIdMin(), binlog.serverIdMax(), config.serverIdMin(), config.serverIdMax());
    }

    ServerIdAllocation(ServerIdRegistry fleet, long listenersMin, long listenersMax, long min, long max) {
        if (min > max) {
            throw new IllegalArgumentException("sentinel.remediation.server-id-min (" + min
                    + ") is above sentinel.remediation.server-id-max (" + max + ")");
        }
        this.fleet = fleet;
        this.listenersMin = listenersMin;
        this.listenersMax = listenersMax;
        this.min = min;
        this.max = max;
    }

    /**
     * The id to give an instance of the topology {@code statuses} describes.
     *
     * @param taken ids already promised by open commands
     * @throws IllegalStateException when the range has no free id left
     */
    public long allocate(Collection<ReplicationStatus> statuses, Set<Long> taken) {
        Set<Long> used = new HashSet<>(taken);
        used.addAll(fleet.seen());
        for (ReplicationStatus s : statuses) {
            used.addAll(idsOf(s));
        }
        for (long id = min; id <= max; id++) {
            if (id >= listenersMin && id <= listenersMax) {
                id = listenersMax;
                continue;
            }
            if (!used.contains(id)) {
                return CommandParams.serverId("newServerId", id);
            }
        }
        throw new IllegalStateException("no free server_id left in sentinel.remediation.server-id-min..server-id-max ("
                + min + ".." + max + ") outside the binlog listeners' range");
    }

    /** Every id one status shows: the instance's, its sources', and the replicas it lists. */
    static Set<Long> idsOf(ReplicationStatus s) {
        Set<Long> ids = new HashSet<>();
        if (s.serverId() != null) {
            ids.add(s.serverId());
        }
        for (ChannelStatus ch : s.channels()) {
            if (ch.sourceServerId() != null) {
                ids.add(ch.sourceServerId());
            }
        }
        for (ReplicaHost r : s.replicas()) {
            if (r.serverId() != null) {
                ids.add(r.serverId());
            }
        }
        return ids;
    }
}

package io.replsentinel.rules;

import io.replsentinel.event.ChannelStatus;
import io.replsentinel.event.ReplicationStatus;

import java.util.List;
import java.util.Objects;

/**
 * The facts of a status that detectors comparing instances read ({@link FactDetector}), in groups,
 * and which groups differ between an instance's previous status and its new one. Everything else a
 * poll carries (its time, lag figures, thread errors, dump threads) is read only by per-instance
 * detectors or only for the evidence of a finding.
 */
final class StatusFacts {

    /**
     * Who is who and who replicates from whom: reachable, server_uuid, read_only, the expected role,
     * the host's addresses and each channel's name and source (host, port, uuid, addresses, whether
     * it resolves). Every cross-instance read goes through these: the channel's source instance
     * ({@link ClusterView#sourceOf}), the primary, the reachable instances.
     */
    static final int TOPOLOGY = 1;
    static final int SERVER_ID = 1 << 1;
    /** {@code gtid_executed} and {@code gtid_binlog_state}. */
    static final int GTID = 1 << 2;
    static final int VERSION = 1 << 3;
    /** The replication settings ReplicationConfigDrift compares. */
    static final int CONFIG = 1 << 4;
    static final int ALL = TOPOLOGY | SERVER_ID | GTID | VERSION | CONFIG;

    private StatusFacts() {
    }

    /** The groups in which {@code next} differs from {@code previous} (null: a new instance, so all). */
    static int changed(ReplicationStatus previous, ReplicationStatus next) {
        if (previous == null || !Objects.equals(previous.flavor(), next.flavor())) {
            return ALL;
        }
        int changed = 0;
        if (!sameTopology(previous, next)) {
            changed |= TOPOLOGY;
        }
        if (!Objects.equals(previous.serverId(), next.serverId())) {
            changed |= SERVER_ID;
        }
        if (!Objects.equals(previous.gtidExecuted(), next.gtidExecuted())
                || !Objects.equals(previous.gtidBinlogState(), next.gtidBinlogState())) {
            changed |= GTID;
        }
        if (!Objects.equals(previous.version(), next.version())) {
            changed |= VERSION;
        }
        if (!Objects.equals(previous.gtidMode(), next.gtidMode())
                || !Objects.equals(previous.enforceGtidConsistency(), next.enforceGtidConsistency())
                || !Objects.equals(previous.binlogFormat(), next.binlogFormat())
                || !Objects.equals(previous.logReplicaUpdates(), next.logReplicaUpdates())
                || !Objects.equals(previous.binlogRowImage(), next.binlogRowImage())
                || !Objects.equals(previous.gtidStrictMode(), next.gtidStrictMode())) {
            changed |= CONFIG;
        }
        return changed;
    }

    /** Whether two statuses of an instance agree in every {@link #TOPOLOGY} fact. */
    static boolean sameTopology(ReplicationStatus a, ReplicationStatus b) {
        if (a.reachable() != b.reachable() || !Objects.equals(a.serverUuid(), b.serverUuid())
                || !Objects.equals(a.readOnly(), b.readOnly()) || !Objects.equals(a.expectedRole(), b.expectedRole())
                || !a.addresses().equals(b.addresses())) {
            return false;
        }
        List<ChannelStatus> x = a.channels();
        List<ChannelStatus> y = b.channels();
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            ChannelStatus c = x.get(i);
            ChannelStatus d = y.get(i);
            if (!Objects.equals(c.name(), d.name()) || !Objects.equals(c.sourceHost(), d.sourceHost())
                    || !Objects.equals(c.sourcePort(), d.sourcePort()) || !Objects.equals(c.sourceUuid(), d.sourceUuid())
                    || !c.sourceAddresses().equals(d.sourceAddresses())
                    || !Objects.equals(c.sourceResolvable(), d.sourceResolvable())) {
                return false;
            }
        }
        return true;
    }
}

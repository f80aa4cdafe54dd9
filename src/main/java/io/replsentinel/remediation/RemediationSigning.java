package io.replsentinel.remediation;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Holds the process's {@link CommandSigner}, made from {@code sentinel.remediation.signing-key}.
 * With no key: a random key of this process and a warning at start-up; with
 * {@code execute=true} and no key the service refuses to start, naming the key, since an executor
 * on a random key would refuse every other node's commands and could not tell its own after a restart.
 */
@ApplicationScoped
public class RemediationSigning {

    private static final Logger LOG = Logger.getLogger(RemediationSigning.class);

    private final CommandSigner signer;

    public RemediationSigning(RemediationConfig config) {
        if (config.execute() && config.signingKey().isEmpty()) {
            throw new IllegalStateException("sentinel.remediation.execute=true needs sentinel.remediation.signing-key: "
                    + "the executor runs only commands whose signature verifies with a key every node shares");
        }
        this.signer = config.signingKey().map(CommandSigner::withKey).orElseGet(CommandSigner::ephemeral);
    }

    void announce(@Observes StartupEvent event) {
        if (!signer.sharedKey()) {
            LOG.warn("sentinel.remediation.signing-key is not set: remediation commands are signed with a random key of "
                    + "this process. Several nodes need one shared key to recognise each other's commands, and this node "
                    + "refuses its own earlier commands after a restart.");
        }
    }

    public CommandSigner signer() {
        return signer;
    }
}

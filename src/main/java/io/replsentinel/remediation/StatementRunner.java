package io.replsentinel.remediation;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a command's statements exactly as the command lists them, in order, each run of consecutive
 * statements for one server on one fresh connection (so {@code SET GTID_NEXT} and the empty
 * transaction it names share a session), and stops at the first error. The result says what ran,
 * where, and what failed: it goes onto the command for the operator to read.
 */
final class StatementRunner {

    /** What running the statements did. */
    record Ran(boolean ok, String result) {
    }

    private StatementRunner() {
    }

    static Ran run(List<SqlStatement> statements, LiveReads live) {
        int done = 0;
        int i = 0;
        List<String> where = new ArrayList<>();
        while (i < statements.size()) {
            String server = statements.get(i).server();
            try (RemediationSession session = live.fresh(server)) {
                for (; i < statements.size() && statements.get(i).server().equals(server); i++) {
                    SqlStatement s = statements.get(i);
                    try {
                        session.execute(s.statement());
                        done++;
                    } catch (SQLException e) {
                        return new Ran(false, "statement " + (i + 1) + " of " + statements.size() + " failed on " + server
                                + " (" + done + " ran before it): " + s.statement() + " -> " + e.getErrorCode() + " "
                                + e.getMessage());
                    }
                }
                where.add(server);
            } catch (SQLException e) {
                return new Ran(false, "could not connect to " + server + " with the remediation account (" + done
                        + " statement(s) ran before): " + e.getErrorCode() + " " + e.getMessage());
            }
        }
        return new Ran(true, "ran " + done + " statement(s) on " + String.join(", ", where));
    }
}

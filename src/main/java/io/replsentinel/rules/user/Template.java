package io.replsentinel.rules.user;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills {@code {{ $labels.name }}} in a user rule's summary and description with the alert's
 * labels, as Prometheus alerting rules do; a label the alert lacks reads as empty. Nothing else
 * of Go templating is supported: the rest of the text is kept as written.
 */
final class Template {

    private static final Pattern LABEL = Pattern.compile("\\{\\{\\s*\\$labels\\.([A-Za-z_][A-Za-z0-9_]*)\\s*}}");

    private Template() {
    }

    static String render(String template, Map<String, String> labels) {
        Matcher m = LABEL.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(labels.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return out.toString();
    }
}

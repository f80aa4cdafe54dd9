package io.replsentinel.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.replsentinel.lab.PrometheusProcess;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Grafana dashboard's time-series panels drawn as plain SVG from Prometheus range queries: how
 * the tests picture a dashboard, Grafana not being packaged for Debian. Same queries, same legend
 * formats, no styling beyond what telling the series apart needs.
 */
final class DashboardSnapshot {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"};
    private static final Pattern LEGEND = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");
    private static final int W = 420, H = 170, PAD_L = 50, PAD_B = 24, PAD_T = 10;

    private DashboardSnapshot() {
    }

    /** The dashboard's timeseries panels over the last {@code seconds}, with {@code vars} substituted. */
    static String html(JsonNode dashboard, PrometheusProcess prom, Map<String, String> vars, long seconds) {
        long end = Instant.now().getEpochSecond();
        long start = end - seconds;
        StringBuilder b = new StringBuilder("<!DOCTYPE html><html><head><meta charset='utf-8'><style>"
                + "body{font:13px system-ui,sans-serif;background:#111217;color:#ccccdc;margin:16px}"
                + ".p{display:inline-block;vertical-align:top;background:#181b1f;border:1px solid #2c3235;margin:6px;padding:8px}"
                + "h1{font-size:18px}h2{font-size:14px;margin:0 0 6px}.l{font-size:12px}"
                + "</style></head><body><h1>" + esc(dashboard.path("title").asText()) + " &mdash; "
                + esc(vars.toString()) + ", last " + seconds + " s</h1>");
        for (JsonNode panel : dashboard.path("panels")) {
            if (!"timeseries".equals(panel.path("type").asText())) {
                continue;
            }
            List<Series> series = new ArrayList<>();
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText().replace("$__rate_interval", "1m");
                for (Map.Entry<String, String> v : vars.entrySet()) {
                    expr = expr.replace("$" + v.getKey(), v.getValue());
                }
                JsonNode answer = prom.api("query_range", Map.of("query", expr, "start", Long.toString(start),
                        "end", Long.toString(end), "step", "2"));
                for (JsonNode r : answer.path("data").path("result")) {
                    series.add(new Series(legend(target.path("legendFormat").asText(), r.path("metric")), r.path("values")));
                }
            }
            b.append("<div class='p'><h2>").append(esc(panel.path("title").asText())).append("</h2>")
                    .append(chart(series, start, end)).append("</div>");
        }
        return b.append("</body></html>").toString();
    }

    private record Series(String name, JsonNode values) {
    }

    private static String chart(List<Series> series, long start, long end) {
        double min = 0, max = 1;
        for (Series s : series) {
            for (JsonNode v : s.values()) {
                double y = v.get(1).asDouble();
                if (Double.isFinite(y)) {
                    min = Math.min(min, y);
                    max = Math.max(max, y);
                }
            }
        }
        double span = max - min == 0 ? 1 : max - min;
        StringBuilder svg = new StringBuilder("<svg width='" + W + "' height='" + H + "'>");
        for (int i = 0; i <= 4; i++) {
            double y = PAD_T + (H - PAD_T - PAD_B) * i / 4.0;
            svg.append(String.format("<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#2c3235'/>", PAD_L, W, y, y))
                    .append(String.format("<text x='4' y='%.1f' fill='#8e8e8e' font-size='11'>%s</text>", y + 4,
                            fmt(max - span * i / 4.0)));
        }
        svg.append(String.format("<text x='%d' y='%d' fill='#8e8e8e' font-size='11'>-%d s</text>", PAD_L, H - 6, end - start))
                .append(String.format("<text x='%d' y='%d' fill='#8e8e8e' font-size='11'>now</text>", W - 30, H - 6));
        StringBuilder legend = new StringBuilder("<div class='l'>");
        int c = 0;
        for (Series s : series) {
            String colour = COLOURS[c++ % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (Iterator<JsonNode> it = s.values().elements(); it.hasNext(); ) {
                JsonNode v = it.next();
                double x = PAD_L + (W - PAD_L) * (v.get(0).asDouble() - start) / (double) (end - start);
                double y = PAD_T + (H - PAD_T - PAD_B) * (max - v.get(1).asDouble()) / span;
                points.append(String.format("%.1f,%.1f ", x, y));
            }
            svg.append("<polyline fill='none' stroke-width='2' stroke='").append(colour).append("' points='")
                    .append(points).append("'/>");
            legend.append("<span style='color:").append(colour).append("'>&#9644; ").append(esc(s.name())).append("</span> ");
        }
        if (series.isEmpty()) {
            svg.append("<text x='50%' y='50%' fill='#8e8e8e'>no data</text>");
        }
        return svg.append("</svg>").append(legend).append("</div>").toString();
    }

    private static String legend(String format, JsonNode metric) {
        if (format.isEmpty() || "__auto".equals(format)) {
            return metric.toString();
        }
        Matcher m = LEGEND.matcher(format);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(metric.path(m.group(1)).asText()));
        }
        return m.appendTail(out).toString().trim();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format("%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

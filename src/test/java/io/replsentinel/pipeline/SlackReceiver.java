package io.replsentinel.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in Slack incoming webhook on a free loopback port: it answers {@code ok} as Slack does,
 * {@code invalid_payload} to a body that is not JSON, and keeps every message posted to it; told
 * to, it answers every post with an error instead, as Slack does when it is down.
 */
public final class SlackReceiver implements AutoCloseable {

    /** Shaped like a real webhook path, whose last part is the secret the service must never log. */
    static final String PATH = "/services/T0LAB0000/B0LAB0000/lab-webhook-secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final List<JsonNode> messages = new CopyOnWriteArrayList<>();
    /** 0: answer as Slack does; else the HTTP status every post gets, its message not kept. */
    private volatile int failWith;
    private final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();

    public SlackReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Slack receiver", e);
        }
        server.createContext(PATH, this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = 200;
            String answer = "ok";
            try {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    throw new IOException("not a POST");
                }
                JsonNode message = JSON.readTree(body);
                if (failWith != 0) {
                    status = failWith;
                    answer = "<html>Service Unavailable</html>";
                    refused.incrementAndGet();
                } else {
                    messages.add(message);
                }
            } catch (IOException e) {
                status = 400;
                answer = "invalid_payload";
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** From now on every post gets {@code status} (e.g. 500) and is not kept; 0 goes back to normal. */
    public void failWith(int status) {
        this.failWith = status;
    }

    /** Posts answered with an error so far. */
    public int refused() {
        return refused.get();
    }

    public String webhookUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    /** How many messages arrived so far: a mark to read later messages from. */
    public int count() {
        return messages.size();
    }

    /** The messages that arrived after {@code mark}, oldest first. */
    public List<JsonNode> since(int mark) {
        List<JsonNode> all = List.copyOf(messages);
        return all.subList(Math.min(mark, all.size()), all.size());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

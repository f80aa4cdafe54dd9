package io.replsentinel.poll;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay in front of one MySQL or MariaDB server that reads the client's side of the
 * plaintext protocol: every packet a client sends with sequence id 0 starts a command, so
 * {@link #queries()} holds one entry per request the server was asked, whatever it holds. The
 * relay is for plaintext connections only (TLS would hide the packets).
 */
final class CommandTap implements AutoCloseable {

    private static final int COM_QUERY = 0x03;

    private final ServerSocket listener;
    private final String host;
    private final int port;
    private final List<String> queries = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    CommandTap(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "command-tap-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /**
     * Each COM_QUERY sent through the relay so far, one per request: its payload after the command
     * byte (on MySQL 8.0.23+ the query attributes' two counts come before the text).
     */
    List<String> queries() {
        return queries;
    }

    private void accept() {
        try {
            while (!listener.isClosed()) {
                Socket client = listener.accept();
                Socket server = new Socket(host, port);
                sockets.add(client);
                sockets.add(server);
                pump("command-tap-up", client, server, true);
                pump("command-tap-down", server, client, false);
            }
        } catch (IOException closed) {
            // the tap was closed
        }
    }

    private void pump(String name, Socket from, Socket to, boolean clientSide) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                if (clientSide) {
                    relayPackets(in, out);
                } else {
                    in.transferTo(out);
                }
            } catch (IOException ended) {
                // either side closed the connection
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Copies the client's packets one by one: a 3-byte little-endian length, a sequence id, the payload. */
    private void relayPackets(InputStream in, OutputStream out) throws IOException {
        byte[] header = new byte[4];
        while (in.readNBytes(header, 0, 4) == 4) {
            int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
            byte[] payload = in.readNBytes(length);
            if (header[3] == 0 && payload.length > 0 && payload[0] == COM_QUERY) {
                queries.add(new String(payload, 1, payload.length - 1, StandardCharsets.UTF_8));
            }
            out.write(header);
            out.write(payload);
            out.flush();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(CommandTap::closeQuietly);
    }
}

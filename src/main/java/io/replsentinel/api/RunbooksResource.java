package io.replsentinel.api;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.commonmark.ext.heading.anchor.HeadingAnchorExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code GET /runbooks}: {@code docs/runbooks.md} (packaged as a resource) rendered to one HTML page
 * with an anchor per heading, so every alert's {@code runbook_url} ({@code /runbooks#<alertname>},
 * lower-cased as GitHub writes anchors) opens its own section, without the repository at hand.
 */
@Path("/runbooks")
public class RunbooksResource {

    static final String SOURCE = "runbooks/runbooks.md";

    private final String page;

    public RunbooksResource() {
        this.page = render(read());
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public String page() {
        return page;
    }

    private static String read() {
        try (InputStream in = RunbooksResource.class.getClassLoader().getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException(SOURCE + " is not on the classpath: the build packages docs/runbooks.md");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String render(String markdown) {
        // Anchors as GitHub makes them (lower case, spaces to dashes), so a link written against the
        // repository's copy of the file opens the same section here.
        var extensions = List.of(HeadingAnchorExtension.builder().idPrefix("").defaultId("section").build());
        Parser parser = Parser.builder().extensions(extensions).build();
        HtmlRenderer renderer = HtmlRenderer.builder().extensions(extensions).escapeHtml(true).build();
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>repl-sentinel runbooks</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <link rel="stylesheet" href="/console.css"></head>
                <body class="runbooks"><p><a href="/">&larr; console</a></p>
                """ + renderer.render(parser.parse(markdown)) + "</body></html>\n";
    }
}

package io.replsentinel.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the committed inputs of a Jazzer fuzz test, from the directory its regression mode replays
 * ({@code <package>/<TestClass>Inputs/<method>/} on the test class path), so plain tests can check
 * what the corpus holds.
 */
public final class FuzzInputs {

    private FuzzInputs() {
    }

    /** Every input file of {@code method} in {@code testClass}, sorted by name. */
    public static List<byte[]> of(Class<?> testClass, String method) {
        URL dir = testClass.getResource(testClass.getSimpleName() + "Inputs/" + method);
        if (dir == null) {
            throw new IllegalStateException("no inputs directory for " + testClass.getName() + "#" + method);
        }
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            List<byte[]> inputs = new ArrayList<>();
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                inputs.add(Files.readAllBytes(file));
            }
            return inputs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.replsentinel.remediation;

import java.util.NoSuchElementException;

/** No command with this id is known to the {@link CommandBook} (the API answers 404). */
public class CommandNotFoundException extends NoSuchElementException {

    public CommandNotFoundException(String id) {
        super("no command with id " + id);
    }
}

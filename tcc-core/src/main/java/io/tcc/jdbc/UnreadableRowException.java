package io.tcc.jdbc;

import io.tcc.TccException;

/** A row of the fence or the global log holds a value this version cannot read; the message names the row. */
public final class UnreadableRowException extends TccException {

    public UnreadableRowException(String message) {
        super(message);
    }
}

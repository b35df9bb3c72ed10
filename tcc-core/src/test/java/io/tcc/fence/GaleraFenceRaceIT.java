package io.tcc.fence;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Assumptions;
import org.springframework.jdbc.datasource.AbstractDataSource;

import com.zaxxer.hikari.HikariDataSource;

import io.tcc.test.DatabaseKind;
import io.tcc.test.GaleraCluster;
import io.tcc.test.TestDatabase;

/**
 * The fence races on a 3-node MariaDB Galera cluster, the two racers of every round writing through different nodes
 * (racer 0 and the set-up and checks through node 0, racer 1 through node 1): a conflict between them shows up as a
 * certification failure at commit, which the fence must retry like any lock conflict. Not run, and saying so with the
 * install command, where Galera is not installed.
 */
class GaleraFenceRaceIT extends FenceRaceTests {

    @Override
    DatabaseKind kind() {
        return DatabaseKind.MYSQL;
    }

    @Override
    String isolation() {
        return null; // the server's default, REPEATABLE READ
    }

    @Override
    TestDatabase emptyDatabase() {
        GaleraCluster.notRunReason().ifPresent(reason -> {
            System.out.println("GaleraFenceRaceIT " + reason);
            Assumptions.abort(reason);
        });
        return GaleraCluster.get().createDatabase("fence_race_galera");
    }

    @Override
    DataSource openDataSource(TestDatabase database, int poolSize) {
        GaleraCluster cluster = GaleraCluster.get();
        return new ByRacer(List.of(cluster.newDataSource(0, database, isolation(), poolSize),
                cluster.newDataSource(1, database, isolation(), poolSize)));
    }

    /** Node 0 for the set-up, the checks and racer 0; node 1 for racer 1. */
    private static final class ByRacer extends AbstractDataSource implements AutoCloseable {
        private final List<HikariDataSource> nodes;

        ByRacer(List<HikariDataSource> nodes) {
            this.nodes = nodes;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Integer racer = RACER.get();
            return nodes.get(racer == null ? 0 : racer % nodes.size()).getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            throw new SQLException("the racers' nodes take their user from the URL");
        }

        @Override
        public void close() {
            nodes.forEach(HikariDataSource::close);
        }
    }
}
